import { Prng, type BuddyAllocOptions, type BuddyBlock } from 'kalloc';
import { K, PAGE, type Allocator } from './buddy.ts';

/**
 * The mixed cleared/dirty churn buddy-mixed and review-gpu-buddy run, and the caller's own record
 * of every page that judges what the allocator did against what was possible.
 */

export interface ChurnParams {
  size: number;
  ops: number;
  /** Target share of the space in use during the churn. */
  fill: number;
  /** Share of allocations that are large (128 KiB-2 MiB) with a large minBlockSize (64 KiB-2 MiB). */
  bigShare: number;
  /** Share of frees that hand back cleared memory (drivers wipe buffers on release). */
  clearedFrees: number;
  /** Share of the live set freed after the churn (before the contiguous requests that follow). */
  release: number;
  seed: number;
}

/** One allocation of the churn: what was asked, what it got, and the cleared bytes it took. */
export interface ChurnAlloc {
  size: number;
  options: BuddyAllocOptions;
  blocks: BuddyBlock[] | undefined;
  clearedTaken: number;
}

/** Largest order of the aligned windows PageRecord counts when asked to (2^12 pages = 16 MiB). */
const WINDOW_ORDERS = 13;
const FREE_DIRTY = 0;
const FREE_CLEARED = 1;
const IN_USE = 2;

/**
 * The caller's own record of every page: free dirty, free cleared or in use. With `dirtyWindows`
 * it also counts, per order and aligned window, the pages that are not free and dirty, and per
 * order the windows where that count is 0, so "is there a wholly dirty free window of this size"
 * is one lookup.
 */
export class PageRecord {
  readonly state: Uint8Array;
  /** notDirty[k][w]: pages of aligned window w of 2^k pages that are cleared, in use or missing. */
  private readonly notDirty: Int32Array[];
  /** dirtyWindows[k]: windows of 2^k pages that are wholly free and dirty. */
  private readonly dirtyWindows: Int32Array;

  constructor(size: number, dirtyWindows = false) {
    const pages = size / PAGE;
    this.state = new Uint8Array(pages);
    const orders = dirtyWindows ? WINDOW_ORDERS : 0;
    this.dirtyWindows = new Int32Array(orders);
    this.notDirty = Array.from({ length: orders }, (_, k) => {
      const span = 2 ** k;
      const counts = new Int32Array(Math.ceil(pages / span));
      // A last window past the end never counts: its missing pages are not free.
      if (pages % span !== 0) counts[counts.length - 1] = span - (pages % span);
      this.dirtyWindows[k] = Math.floor(pages / span);
      return counts;
    });
  }

  /** Marks blocks in use; returns how many of their bytes were cleared. */
  handOut(blocks: readonly BuddyBlock[]): number {
    let cleared = 0;
    for (const b of blocks) {
      for (let p = b.offset / PAGE, e = (b.offset + b.size) / PAGE; p < e; p++) {
        if (this.state[p] === FREE_CLEARED) cleared += PAGE;
        this.set(p, IN_USE);
      }
    }
    return cleared;
  }

  giveBack(blocks: readonly BuddyBlock[], cleared: boolean): void {
    const to = cleared ? FREE_CLEARED : FREE_DIRTY;
    for (const b of blocks) for (let p = b.offset / PAGE, e = (b.offset + b.size) / PAGE; p < e; p++) this.set(p, to);
  }

  /** Whether a size-aligned window of `size` bytes is entirely free (brute force). */
  hasFreeWindow(size: number): boolean {
    const span = size / PAGE;
    const s = this.state;
    for (let w = 0; w + span <= s.length; w += span) {
      let p = w;
      while (p < w + span && s[p] !== IN_USE) p++;
      if (p === w + span) return true;
    }
    return false;
  }

  /** Whether `pages` consecutive pages are free anywhere (brute force). */
  hasFreeRun(pages: number): boolean {
    let run = 0;
    for (let p = 0; p < this.state.length; p++) {
      run = this.state[p] === IN_USE ? 0 : run + 1;
      if (run >= pages) return true;
    }
    return false;
  }

  /** Whether a size-aligned window of `size` bytes (<= 16 MiB) is free and holds no cleared page. */
  hasDirtyWindow(size: number): boolean {
    const k = Math.log2(size / PAGE);
    if (!(k < this.notDirty.length)) throw new Error(`PageRecord: dirty windows of ${size} bytes are not counted`);
    return this.dirtyWindows[k]! > 0;
  }

  private set(p: number, state: number): void {
    const was = this.state[p]!;
    this.state[p] = state;
    const delta = (state === FREE_DIRTY ? 0 : 1) - (was === FREE_DIRTY ? 0 : 1);
    if (delta === 0) return;
    for (let k = 0; k < this.notDirty.length; k++) {
      const counts = this.notDirty[k]!;
      const w = p >>> k;
      const before = counts[w]!;
      counts[w] = before + delta;
      if (before === 0) this.dirtyWindows[k]!--;
      else if (before + delta === 0) this.dirtyWindows[k]!++;
    }
  }
}

/** Removes a random element of `live` (the last one takes its place) and returns it. */
export function takeRandom<T>(live: T[], r: Prng): T {
  const j = r.below(live.length);
  const x = live[j]!;
  live[j] = live[live.length - 1]!;
  live.pop();
  return x;
}

export function bytesOf(blocks: readonly BuddyBlock[]): number {
  return blocks.reduce((sum, b) => sum + b.size, 0);
}

/**
 * The churn: random allocations (through `alloc`, which may time them) and frees near `fill`,
 * then `release` of the live set freed, everything mirrored in `rec`. `onAlloc` sees each
 * allocation after the record was updated.
 */
export function churn(
  mm: Allocator,
  rec: PageRecord,
  p: ChurnParams,
  alloc: (size: number, o: BuddyAllocOptions) => BuddyBlock[] | undefined,
  onAlloc: (a: ChurnAlloc) => void,
): void {
  const r = new Prng(p.seed);
  const live: BuddyBlock[][] = [];
  const target = p.size * p.fill;
  let used = 0;
  for (let i = 0; i < p.ops; i++) {
    if (used < target || live.length === 0 || r.chance(0.45)) {
      // Mostly small buffers, some large ones with a large minimum page (as amdgpu asks for
      // 2 MiB pages for big buffers), some contiguous.
      const big = r.chance(p.bigShare);
      const size = big ? PAGE * 2 ** (5 + r.below(5)) : PAGE * (1 + r.below(16));
      const o: BuddyAllocOptions = { clear: r.chance(0.5) };
      if (big) o.minBlockSize = PAGE * 2 ** (4 + r.below(6));
      else if (r.chance(0.2)) o.minBlockSize = 256 * K; // the VKCTS pattern: small buffers, 256 KiB alignment
      if (r.chance(0.05)) o.contiguous = true;
      const b = alloc(size, o);
      const clearedTaken = b ? rec.handOut(b) : 0;
      onAlloc({ size, options: o, blocks: b, clearedTaken });
      if (!b) continue;
      used += bytesOf(b);
      live.push(b);
    } else {
      const b = takeRandom(live, r);
      const cleared = r.chance(p.clearedFrees);
      mm.free(b, { cleared });
      rec.giveBack(b, cleared);
      used -= bytesOf(b);
    }
  }
  // Make room for the contiguous requests that follow.
  for (let i = live.length - 1; i >= 0; i--) {
    if (!r.chance(p.release)) continue;
    const cleared = r.chance(0.5);
    mm.free(live[i]!, { cleared });
    rec.giveBack(live[i]!, cleared);
    live.splice(i, 1);
  }
}

/** Contiguous requests judged against the record: those that had room, those served, those failed with room. */
export interface ContiguousCounts {
  allowed: number;
  served: number;
  failedAllowed: number;
}

/**
 * Asks for each size `tries` contiguous ranges (clear on every other try) through `alloc`, each
 * judged first by `hasRoom` against the caller's record; ranges served are marked in use.
 */
export function askContiguous(
  rec: PageRecord,
  sizes: readonly number[],
  tries: number,
  hasRoom: (size: number) => boolean,
  alloc: (size: number, o: BuddyAllocOptions) => BuddyBlock[] | undefined,
): ContiguousCounts {
  const counts = { allowed: 0, served: 0, failedAllowed: 0 };
  for (const size of sizes) {
    for (let t = 0; t < tries; t++) {
      const possible = hasRoom(size);
      const b = alloc(size, { contiguous: true, clear: t % 2 === 0 });
      if (possible) counts.allowed++;
      if (b) {
        counts.served++;
        rec.handOut(b);
      } else if (possible) {
        counts.failedAllowed++;
      }
    }
  }
  return counts;
}
