import { isPowerOfTwo } from 'kalloc/internal';
import { RANGE_DESIGNS, type RangeAllocatorApi, type RangeDesign } from 'kalloc';
import type { MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { OP_ALLOC, type VmapOps } from './compact-trace.ts';
import { Stopwatch, type ProgressFn } from './stopwatch.ts';

/**
 * vmalloc events replayed on the range allocators, twice per design:
 *
 *  - at the kernel's addresses: alloc_vmap_area becomes allocAt(traced start, size), so every
 *    design holds exactly the kernel's layout and only the bookkeeping cost differs;
 *  - by the design's own choice: alloc(size, { align }), which shows where the design would have
 *    put each area and how often that is the kernel's own address (the kernel also takes the
 *    lowest fit, but frees lazily and searches per vstart/vend window, so they can differ).
 *
 * free_vmap_area_noflush frees at once (the kernel defers the purge; a replay has no TLB).
 */
/** The range family's designs by id (the registry is the one list). */
export const VMAP_DESIGNS: Record<string, RangeDesign> = Object.fromEntries(RANGE_DESIGNS.map((d) => [d.id, d]));

export interface VmapReplay {
  design: string;
  /** Allocations and frees replayed (each pass). */
  ops: number;
  atKernel: { ms: number; conflicts: number; unknownFrees: number; curve: { ops: number; ms: number }[] };
  own: { ms: number; sameAddress: number; allocs: number; failed: number; unknownFrees: number; highestEnd: number };
  end: { freeAreas: number; largestFree: number; usedBytes: number };
  map: MemoryMap;
}

const PAGE = 4096;

export function replayVmap(ops: VmapOps, design: string, progress?: ProgressFn): VmapReplay {
  const make = (size: number): RangeAllocatorApi => VMAP_DESIGNS[design]!.create({ size });
  // Room for the traced layout, and for the design's own placement beside it.
  const size = Math.min(2 ** 53, Math.max(PAGE, Math.ceil((ops.maxEnd * 2) / PAGE) * PAGE + 1024 * PAGE));
  const atKernel = replayAtKernel(ops, make(size), progress);
  const own = replayOwn(ops, make(size));
  return { design, ops: ops.count, atKernel: atKernel.figures, own, end: atKernel.end, map: atKernel.map(design) };
}

function replayAtKernel(ops: VmapOps, space: RangeAllocatorApi, progress?: ProgressFn) {
  const { op, start, size } = ops;
  let conflicts = 0;
  let unknownFrees = 0;
  const watch = new Stopwatch(ops.count, progress);
  for (let i = 0; i < ops.count; i++) {
    if (op[i] === OP_ALLOC) {
      if (!space.allocAt(start[i]!, size[i]!)) conflicts++;
    } else if (space.sizeOf(start[i]!) === undefined) unknownFrees++;
    else space.free(start[i]!);
    watch.tick(i);
  }
  const ms = watch.stop();
  space.check();
  const end = { freeAreas: space.freeAreaCount, largestFree: space.largestFree, usedBytes: space.usedBytes };
  return {
    figures: { ms, conflicts, unknownFrees, curve: watch.curve },
    end,
    map: (design: string) => layoutMap(space, design, ops.maxEnd),
  };
}

function replayOwn(ops: VmapOps, space: RangeAllocatorApi): VmapReplay['own'] {
  const { op, start, size, align } = ops;
  const placed = new Map<number, number>(); // traced start -> the design's own offset
  let sameAddress = 0;
  let allocs = 0;
  let failed = 0;
  let unknownFrees = 0;
  let highestEnd = 0;
  const watch = new Stopwatch(ops.count);
  for (let i = 0; i < ops.count; i++) {
    const traced = start[i]!;
    if (op[i] === OP_ALLOC) {
      allocs++;
      const a = align[i]!;
      const at = space.alloc(size[i]!, isPowerOfTwo(a) ? { align: a } : undefined);
      if (at === undefined) {
        failed++;
        continue;
      }
      const previous = placed.get(traced);
      if (previous !== undefined) space.free(previous); // the trace lost this area's free
      placed.set(traced, at);
      if (at === traced) sameAddress++;
      if (at + size[i]! > highestEnd) highestEnd = at + size[i]!;
    } else {
      const at = placed.get(traced);
      if (at === undefined) unknownFrees++;
      else {
        space.free(at);
        placed.delete(traced);
      }
    }
  }
  const ms = watch.stop();
  space.check();
  return { ms, sameAddress, allocs, failed, unknownFrees, highestEnd };
}

/** The layout left at the end, over the part of the space the trace used. */
function layoutMap(space: RangeAllocatorApi, design: string, maxEnd: number): MemoryMap {
  const end = Math.max(PAGE, maxEnd);
  const map = new MapBuilder(0, 'busy');
  for (const f of space.freeAreas()) {
    if (f.start >= end) break;
    map.add(f.start, Math.min(f.end, end), 'free');
  }
  return { title: 'vmalloc space at the end of the replay (kernel addresses)', design, unit: 'bytes', start: 0, end, segments: map.finish(end) };
}
