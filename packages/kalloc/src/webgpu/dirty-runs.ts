import { alignDown } from '../core/bits.ts';
import { BuddyAllocator } from '../buddy/buddy-allocator.ts';
import type { AnyBuddyAllocator } from '../buddy/designs.ts';

/** [start, end) in one allocator's units; `source` names the allocator (a chunk index). */
export interface Run {
  source: number;
  start: number;
  end: number;
}

/**
 * The free memory of `buddy` that is not known to be clear, as maximal runs in address order:
 * free blocks minus the cleared extents inside them. A legacy block is wholly clear or dirty; a
 * unified block may be mixed, its cleared parts kept as extents by the clear tracker, and an
 * extent may run on across several free blocks:
 *
 *   free blocks   [------ dirty ------][---- mixed ----][clear]
 *   extents                            [==]      [=====|=====]
 *   dirty runs    [-------------------------]  [-----]
 */
export function dirtyRuns(buddy: AnyBuddyAllocator, source: number): Run[] {
  const runs: Run[] = [];
  const extents = buddy instanceof BuddyAllocator ? buddy.clearExtents() : undefined;
  let extent = extents?.next();
  const add = (start: number, end: number): void => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.end === start) last.end = end;
    else runs.push({ source, start, end });
  };
  for (const block of buddy.freeBlocks()) {
    if (block.clear) continue;
    let at = block.offset;
    const end = block.offset + block.size;
    while (extent !== undefined && !extent.done && extent.value.end <= at) extent = extents!.next();
    while (extent !== undefined && !extent.done && extent.value.start < end) {
      if (extent.value.start > at) add(at, extent.value.start);
      at = Math.max(at, extent.value.end);
      if (extent.value.end > end) break; // the extent goes on into the next free block
      extent = extents!.next();
    }
    if (at < end) add(at, end);
  }
  return runs;
}

/**
 * What an idle clear of `budget` units clears: the largest runs first (ties: lower source, then
 * lower address), each whole while the budget lasts, the first one that does not fit cut to the
 * budget (rounded down to `granule`). Runs are sorted in place.
 */
export function planIdleClear(runs: Run[], budget: number, granule: number): Run[] {
  runs.sort((a, b) => b.end - b.start - (a.end - a.start) || a.source - b.source || a.start - b.start);
  const plan: Run[] = [];
  let left = alignDown(budget, granule);
  for (const run of runs) {
    if (left === 0) break;
    const size = Math.min(run.end - run.start, left);
    plan.push({ source: run.source, start: run.start, end: run.start + size });
    left -= size;
  }
  return plan;
}
