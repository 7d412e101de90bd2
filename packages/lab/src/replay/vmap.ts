import { isPowerOfTwo } from 'kalloc/internal';
import { RANGE_DESIGNS, type RangeAllocatorApi, type RangeDesign, type VmallocInfo } from 'kalloc';
import type { MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { OP_ALLOC, OP_FREE, OP_PURGE, type VmapOps } from './compact-trace.ts';
import { Stopwatch, type ProgressFn } from './stopwatch.ts';

/**
 * vmalloc events replayed on the range allocators, twice per design:
 *
 *  - at the kernel's addresses: alloc_vmap_area becomes allocAt(traced start, size), so every
 *    design holds exactly the kernel's layout and only the bookkeeping cost differs;
 *  - by the design's own choice: alloc(size, { align }), which shows where the design would have
 *    put each area and how often that is the kernel's own address.
 *
 * Both start from the captured layout when there is one (a /proc/vmallocinfo snapshot taken as
 * the trace began, `--layout`): its busy areas are held, its lazily freed ones ("unpurged") wait
 * for the next purge. Own placement frees lazily as the kernel does: free_vmap_area_noflush only
 * marks an area, and the kernel's purge_vmap_area_lazy events return the marked areas (a trace
 * without purge events frees at once). The `pools` design adds what Linux 6.9+ does on top of
 * the tree (mm/vmalloc.c, vmap nodes): one node per CPU; an allocation in the whole vmalloc
 * range first takes an area of exactly its size from its CPU's node pool (the pool's first area,
 * if aligned), and a purge first decays each pool by a quarter back to the tree, then puts each
 * purged area of at most MAX_VA_SIZE_PAGES pages into the pool of the node that allocated it.
 */
/** A replayed vmalloc design: a range design, and whether node pools sit in front of it. */
export type VmapDesign = RangeDesign & { pools?: boolean };

const TREE = RANGE_DESIGNS.find((d) => d.id === 'tree')!;

/** The range family's designs by id (the registry is the one list), and the tree with the node
 *  pools Linux 6.9+ puts in front of it (a replay policy over the same allocator). */
export const VMAP_DESIGNS: Record<string, VmapDesign> = {
  ...Object.fromEntries(RANGE_DESIGNS.map((d) => [d.id, d])),
  pools: {
    ...TREE, id: 'pools', label: 'tree + node pools', role: 'alternative', pools: true,
    summary: 'free-area tree behind per-node pools of purged areas by size, 1..100 pages (vmalloc since 6.9, 2024)',
  },
};

/** A captured layout: busy areas, and the lazily freed ones not purged yet. */
export interface VmapLayout {
  areas: { start: number; size: number; lazy: boolean }[];
}

/** The layout of a /proc/vmallocinfo snapshot (read with real addresses: not hashed). */
export function vmapLayout(info: VmallocInfo): VmapLayout {
  return { areas: info.areas.map((a) => ({ start: a.start, size: a.size, lazy: a.kind === 'unpurged' })) };
}

export interface VmapReplay {
  design: string;
  /** Allocations and frees replayed (each pass). */
  ops: number;
  atKernel: { ms: number; conflicts: number; unknownFrees: number; curve: { ops: number; ms: number }[] };
  own: {
    ms: number; sameAddress: number; allocs: number; failed: number; unknownFrees: number; highestEnd: number;
    /** Allocations served from a node pool, and the pool areas inferred at the start. */
    poolHits: number; poolSeeds: number;
    firstMiss?: VmapMiss;
  };
  end: { freeAreas: number; largestFree: number; usedBytes: number };
  map: MemoryMap;
}

/** The first allocation placed elsewhere than the kernel placed it. */
export interface VmapMiss {
  /** Its number among the trace's vmap operations, its CPU, size, and both addresses. */
  operation: number;
  cpu: number;
  size: number;
  kernel: number;
  model: number;
}

const PAGE = 4096;
/** The vmalloc range on x86-64 (32 TiB from VMALLOC_START); areas above it (modules) are
 *  allocated in their own window and never from the node pools. */
const VMALLOC_SPAN = 2 ** 45;
/** MAX_VA_SIZE_PAGES: pools keep areas of 1..100 pages. */
const MAX_POOL_PAGES = 100;

export function replayVmap(ops: VmapOps, design: string, progress?: ProgressFn, layout?: VmapLayout): VmapReplay {
  const make = (size: number): RangeAllocatorApi => VMAP_DESIGNS[design]!.create({ size });
  const layoutEnd = layout?.areas.reduce((m, a) => Math.max(m, a.start + a.size), 0) ?? 0;
  // Room for the layout and the traced areas, and for the design's own placement beside them.
  const reach = Math.max(ops.maxEnd, layoutEnd);
  const size = Math.min(2 ** 53, Math.max(PAGE, Math.ceil((reach * 2) / PAGE) * PAGE + 1024 * PAGE));
  const atKernel = replayAtKernel(ops, withLayout(make(size), layout), layout, progress);
  const pools = VMAP_DESIGNS[design]!.pools === true;
  // The pools' content at the start is not in /proc/vmallocinfo: a first pass learns it from the
  // trace (areas the kernel handed out from a hole of the layout where the tree would not have).
  const seeds: PoolSeed[] = [];
  if (pools && layout) replayOwn(ops, withLayout(make(size), layout), layout, true, { learn: seeds });
  const own = replayOwn(ops, withLayout(make(size), layout), layout, pools, { seeds });
  return { design, ops: ops.count, atKernel: atKernel.figures, own, end: atKernel.end, map: atKernel.map(design) };
}

/** The space holding the captured layout's areas (busy and lazily freed alike). */
function withLayout(space: RangeAllocatorApi, layout: VmapLayout | undefined): RangeAllocatorApi {
  for (const a of layout?.areas ?? []) space.allocAt(a.start, a.size);
  return space;
}

function replayAtKernel(ops: VmapOps, space: RangeAllocatorApi, layout: VmapLayout | undefined, progress?: ProgressFn) {
  const { op, start, size } = ops;
  const lazyAreas = (layout?.areas ?? []).filter((a) => a.lazy).map((a) => a.start); // freed at the first purge
  let conflicts = 0;
  let unknownFrees = 0;
  const watch = new Stopwatch(ops.count, progress);
  for (let i = 0; i < ops.count; i++) {
    if (op[i] === OP_ALLOC) {
      if (!space.allocAt(start[i]!, size[i]!)) conflicts++;
    } else if (op[i] === OP_FREE) {
      if (space.sizeOf(start[i]!) === undefined) unknownFrees++;
      else space.free(start[i]!);
    } else if (op[i] === OP_PURGE) {
      for (const a of lazyAreas.splice(0)) space.free(a);
    }
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

/**
 * Own placement. `placed` maps each traced start to the design's own address; freed areas wait
 * in `lazy` for the next traced purge (each with the node that allocated it, -1 when unknown:
 * the captured layout's), unless the trace has no purge events at all.
 */
/** addr_to_node: the node whose busy tree holds an address (16-page stripes), the kernel's
 *  guess for an area allocated before the trace, whose allocating node is not known. */
function addrToNode(at: number, nodes: number): number {
  return Math.floor(at / (16 * PAGE)) % nodes;
}

/** An area in a node's pool when the trace began (listed from the pool's head). */
interface PoolSeed {
  node: number;
  at: number;
  size: number;
}

function replayOwn(
  ops: VmapOps, space: RangeAllocatorApi, layout: VmapLayout | undefined, usePools: boolean,
  seeding: { seeds?: PoolSeed[]; learn?: PoolSeed[] } = {},
): VmapReplay['own'] {
  const { op, start, size, align, cpu } = ops;
  let nodes = 1;
  for (let i = 0; i < ops.count; i++) nodes = Math.max(nodes, cpu[i]! + 1);
  const pools = usePools && nodes > 1 ? new NodePools(nodes, space) : undefined;
  const seeds = pools ? (seeding.seeds ?? []) : [];
  for (let k = seeds.length - 1; k >= 0; k--) {
    const seed = seeds[k]!;
    if (space.allocAt(seed.at, seed.size)) pools!.add(seed.at, seed.node);
  }
  const learn = pools ? seeding.learn : undefined;
  const used = new Set<number>(); // traced starts allocated so far
  const placed = new Map<number, { at: number; node: number }>();
  let lazy: { at: number; node: number }[] = [];
  for (const a of layout?.areas ?? []) {
    if (a.lazy) lazy.push({ at: a.start, node: a.start < VMALLOC_SPAN ? addrToNode(a.start, nodes) : -1 });
    else placed.set(a.start, { at: a.start, node: -1 });
  }
  let purges = 0;
  for (let i = 0; i < ops.count; i++) if (op[i] === OP_PURGE) purges++;
  const purge = () => {
    pools?.decay();
    for (const a of lazy) if (!pools?.add(a.at, a.node)) space.free(a.at);
    lazy = [];
  };
  let sameAddress = 0, allocs = 0, failed = 0, unknownFrees = 0, highestEnd = 0, poolHits = 0;
  let firstMiss: VmapMiss | undefined;
  const opts = { align: 1, start: 0 };
  const watch = new Stopwatch(ops.count);
  for (let i = 0; i < ops.count; i++) {
    const traced = start[i]!;
    if (op[i] === OP_PURGE) {
      purge();
      continue;
    }
    if (op[i] !== OP_ALLOC) {
      const area = placed.get(traced);
      if (area === undefined) unknownFrees++;
      else {
        placed.delete(traced);
        if (purges > 0) lazy.push(area);
        else space.free(area.at);
      }
      continue;
    }
    allocs++;
    const n = size[i]!;
    const inVmalloc = traced < VMALLOC_SPAN;
    const node = inVmalloc && pools ? cpu[i]! % nodes : -1;
    opts.align = isPowerOfTwo(align[i]!) ? align[i]! : 1;
    opts.start = inVmalloc ? 0 : VMALLOC_SPAN;
    let at = node >= 0 ? pools!.take(node, n, opts.align) : undefined;
    if (at !== undefined) poolHits++;
    else {
      at = space.alloc(n, opts);
      if (at === undefined && lazy.length > 0) {
        purge(); // the kernel's overflow path: purge, then retry once
        at = space.alloc(n, opts);
      }
    }
    if (learn && node >= 0 && at !== traced && !used.has(traced) && Math.ceil(n / PAGE) <= MAX_POOL_PAGES) {
      // Learning: an untouched hole of the layout the kernel used instead: its pool's content.
      if (at !== undefined) space.free(at);
      if (space.allocAt(traced, n)) {
        learn.push({ node, at: traced, size: n });
        at = traced;
      } else at = at === undefined ? undefined : space.alloc(n, opts);
    }
    used.add(traced);
    if (at === undefined) {
      failed++;
      continue;
    }
    const previous = placed.get(traced);
    if (previous !== undefined) space.free(previous.at); // the trace lost this area's free
    placed.set(traced, { at, node });
    if (at === traced) sameAddress++;
    else firstMiss ??= { operation: i + 1, cpu: cpu[i]!, size: n, kernel: traced, model: at };
    if (at + n > highestEnd) highestEnd = at + n;
  }
  const ms = watch.stop();
  space.check();
  return { ms, sameAddress, allocs, failed, unknownFrees, highestEnd, poolHits, poolSeeds: seeds.length, ...(firstMiss ? { firstMiss } : {}) };
}

/**
 * The vmap nodes' pools (struct vmap_pool): per node, per size of 1..MAX_POOL_PAGES pages, a
 * LIFO list of freed areas of exactly that size, kept out of the free-area tree.
 */
class NodePools {
  private readonly lists: number[][];

  constructor(private readonly nodes: number, private readonly space: RangeAllocatorApi) {
    this.lists = Array.from({ length: nodes * MAX_POOL_PAGES }, () => []);
  }

  /** node_pool_del_va: the pool's first area when it is aligned; an unaligned one goes last. */
  take(node: number, size: number, align: number): number | undefined {
    const list = this.listOf(node, size);
    if (list === undefined || list.length === 0) return undefined;
    const at = list[list.length - 1]!;
    if (at % align !== 0) {
      list.pop();
      list.unshift(at);
      return undefined;
    }
    return list.pop();
  }

  /** node_pool_add_va, for an area the node allocated; false when it goes back to the tree. */
  add(at: number, node: number): boolean {
    const list = node < 0 ? undefined : this.listOf(node, this.space.sizeOf(at)!);
    if (list === undefined) return false;
    list.push(at);
    return true;
  }

  /** decay_va_pool_node: each pool gives a quarter of its areas, the most recent first, back. */
  decay(): void {
    for (const list of this.lists) {
      for (let n = list.length >> 2; n > 0; n--) this.space.free(list.pop()!);
    }
  }

  private listOf(node: number, size: number): number[] | undefined {
    const pages = Math.ceil(size / PAGE);
    return pages >= 1 && pages <= MAX_POOL_PAGES && node < this.nodes ? this.lists[node * MAX_POOL_PAGES + pages - 1] : undefined;
  }
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
