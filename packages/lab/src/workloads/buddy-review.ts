import { LegacyBuddyAllocator, type BuddyAllocOptions, type BuddyBlock } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { percentile } from '../kit/stats.ts';
import { make, PAGE } from './buddy.ts';
import { PageRecord, askContiguous, bytesOf, churn, type ChurnParams } from './buddy-churn.ts';

/**
 * review-gpu-buddy's run of one design (in its own worker thread): the mixed churn, timed per
 * alloc(), with what the dirty path takes of cleared memory; then contiguous requests of
 * non-power-of-two sizes, judged against the caller's page record.
 */

export interface ReviewChurnParams extends ChurnParams {
  /** Non-power-of-two contiguous request sizes, asked after the churn, each `tries` times. */
  odd: number[];
  tries: number;
  rounds: number;
}

export function reviewRun(design: string, p: ReviewChurnParams): Record<string, number> {
  const mm = make(design, p.size);
  const rec = new PageRecord(p.size, true);
  const latencies = new Float64Array(p.ops);
  let nLat = 0;
  let allocMs = 0;
  let dirtyBytes = 0;
  let clearedTaken = 0;
  let avoidable = 0;
  const timed = (size: number, o: BuddyAllocOptions): BuddyBlock[] | undefined => {
    const s = now();
    const b = mm.alloc(size, o);
    const ms = sinceMs(s);
    allocMs += ms;
    latencies[nLat++] = ms * 1e3;
    return b;
  };
  churn(mm, rec, p, timed, (a) => {
    if (a.options.clear || !a.blocks) return;
    dirtyBytes += bytesOf(a.blocks);
    clearedTaken += a.clearedTaken;
    // Avoidable: a wholly dirty free window as large as the largest block taken was left.
    if (a.clearedTaken > 0 && rec.hasDirtyWindow(Math.max(...a.blocks.map((b) => b.size)))) avoidable += a.clearedTaken;
  });

  const odd: number[] = [];
  const { allowed, served, failedAllowed } = askContiguous(rec, p.odd, p.tries, (size) => rec.hasFreeRun(size / PAGE), (size, o) => {
    const s = now();
    const b = mm.alloc(size, o);
    odd.push(sinceMs(s) * 1e3);
    return b;
  });
  mm.check();
  const lat = latencies.subarray(0, nLat).sort();
  odd.sort((a, b) => a - b);
  const legacy = mm instanceof LegacyBuddyAllocator ? mm : undefined;
  return {
    'alloc p50 us': percentile(lat, 0.5),
    'alloc p99 us': percentile(lat, 0.99),
    'alloc max us': lat.length ? lat[lat.length - 1]! : 0,
    'alloc total ms': allocMs,
    'force-merge runs': legacy?.forceMerges ?? 0,
    'force-merge blocks examined': legacy?.forceMergeVisits ?? 0,
    'odd contiguous allowed': allowed,
    'odd contiguous served': served,
    'odd failed while allowed': failedAllowed,
    'odd contiguous p50 us': percentile(odd, 0.5),
    'odd contiguous max us': odd.length ? odd[odd.length - 1]! : 0,
    'dirty-alloc bytes': dirtyBytes,
    'cleared bytes taken by dirty allocs': clearedTaken,
    'avoidable cleared bytes taken': avoidable,
    'cleared bytes kept': mm.clearAvail,
  };
}
