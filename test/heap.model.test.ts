import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SharedHeap } from '../packages/kalloc/src/heap/shared-heap.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { fillPattern, findPatternError } from '../packages/lab/src/workloads/heap/pattern.ts';
import { C_FREE_PAGES, LOCK, PAGE_WORDS as W, P_FREE, P_OWNER, P_USED, layoutFor, readHeader, viewsOf, type HeapViews, type Layout } from '../packages/kalloc/src/heap/layout.ts';
import { sizeClasses } from '../packages/kalloc/src/heap/size-classes.ts';

/**
 * Model-based test of SharedHeap in one thread: several instances attached to the same buffers
 * under different worker ids play the workers. Frees by another instance go through the owner's
 * remote-free list; detach and reclaim orphan live blocks. check() runs after every command.
 */
const WORKERS = 3;
const NUM_RUNS = process.env.FUZZ ? 1000 : 150;

interface Live {
  size: number;
  owner: number;
}
interface Model {
  live: Map<number, Live>;
}
interface Real {
  heaps: (SharedHeap | undefined)[];
  pages: number;
}

function assertFits(m: Model, heap: SharedHeap, off: number, size: number, align: number): void {
  assert.ok(off >= 0 && off + size <= heap.size, `offset ${off} + ${size} outside the heap`);
  assert.equal(off % Math.max(align, 16), 0, `offset ${off} not aligned to ${align}`);
  const usable = heap.sizeOf(off)!;
  assert.ok(usable >= size, `usable ${usable} < ${size}`);
  for (const [o, l] of m.live) {
    assert.ok(off + usable <= o || o + l.size <= off, `[${off}, +${usable}) overlaps live [${o}, +${l.size})`);
  }
}

class Alloc implements fc.Command<Model, Real> {
  constructor(
    readonly w: number,
    readonly size: number,
    readonly align: number | undefined,
    readonly times: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    for (let i = 0; i < this.times; i++) this.once(m, r);
  }
  private once(m: Model, r: Real): void {
    const heap = r.heaps[this.w];
    if (!heap) return;
    const off = this.align === undefined ? heap.alloc(this.size) : heap.alloc(this.size, { align: this.align });
    if (off === undefined) {
      // Out of space only when it is true: no free page for a slab, no free block big enough.
      const { freePages, freeBlocks } = heap.stats();
      const align = this.align ?? 1;
      if (this.size <= heap.pageSize / 2 && align <= heap.pageSize / 2) assert.equal(freePages, 0, `alloc(${this.size}) failed with free pages`);
      else {
        const k = Math.ceil(Math.log2(Math.ceil(Math.max(this.size, align) / heap.pageSize)));
        assert.ok(freeBlocks.slice(k).every((n) => n === 0), `alloc(${this.size}) failed with a free order-${k} block`);
      }
      return;
    }
    assertFits(m, heap, off, this.size, this.align ?? 1);
    fillPattern(heap.bytes(off, this.size), off);
    m.live.set(off, { size: this.size, owner: this.w });
  }
  toString(): string {
    return `w${this.w}.alloc(${this.size}${this.align ? `, align ${this.align}` : ''})${this.times > 1 ? ` x${this.times}` : ''}`;
  }
}

class Free implements fc.Command<Model, Real> {
  constructor(
    readonly w: number,
    readonly pick: number,
    readonly times: number,
  ) {}
  check(m: Model): boolean {
    return m.live.size > 0;
  }
  run(m: Model, r: Real): void {
    for (let i = 0; i < this.times && m.live.size > 0; i++) this.once(m, r, this.pick + i * 7);
  }
  private once(m: Model, r: Real, pick: number): void {
    const heap = r.heaps[this.w];
    if (!heap) return;
    const offsets = [...m.live.keys()];
    const off = offsets[pick % offsets.length]!;
    const { size } = m.live.get(off)!;
    assert.equal(findPatternError(heap.bytes(off, size), off), -1, `pattern of ${off} broken`);
    heap.free(off);
    m.live.delete(off);
    assert.equal(heap.sizeOf(off), undefined);
    assert.throws(() => heap.free(off), (e: KallocError) => e.code === 'EFAULT');
  }
  toString(): string {
    return `w${this.w}.free(#${this.pick})${this.times > 1 ? ` x${this.times}` : ''}`;
  }
}

/** Worker w hands its blocks back (detach), or another worker reclaims it as if it had died. */
class Leave implements fc.Command<Model, Real> {
  constructor(
    readonly w: number,
    readonly by: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const heap = r.heaps[this.w];
    const other = r.heaps[this.by];
    if (!heap) return;
    if (this.by === this.w) heap.detach();
    else if (other) other.reclaim(this.w);
    else return;
    r.heaps[this.w] = undefined;
  }
  toString(): string {
    return this.by === this.w ? `w${this.w}.detach()` : `w${this.by}.reclaim(${this.w})`;
  }
}

class Join implements fc.Command<Model, Real> {
  constructor(readonly w: number) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const any = r.heaps.find((h) => h !== undefined);
    if (r.heaps[this.w] || !any) return;
    r.heaps[this.w] = SharedHeap.attach(any.buffers, { worker: this.w });
  }
  toString(): string {
    return `attach(w${this.w})`;
  }
}

class Check implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const heap = r.heaps.find((h) => h !== undefined);
    if (!heap) return;
    const stats = heap.stats();
    // Remote frees wait on owners' lists until the owner's next call; count them as live.
    assert.equal(stats.liveObjects - stats.pendingRemoteFrees + stats.largeBlocks, m.live.size);
  }
  toString(): string {
    return 'stats';
  }
}

const worker = fc.nat(WORKERS - 1);
// Mostly single calls; bursts fill slabs (so full -> partial -> empty transitions happen).
const times = fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.integer({ min: 2, max: 70 }), weight: 1 });
const commands = [
  fc.tuple(
    worker,
    fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: 40000 })),
    fc.option(fc.constantFrom(16, 64, 256, 4096, 16384), { nil: undefined, freq: 4 }),
    times,
  ).map(([w, s, a, n]) => new Alloc(w, s, a, s > 4096 ? 1 : n)),
  fc.tuple(worker, fc.nat(), times).map(([w, p, n]) => new Free(w, p, n)),
  fc.tuple(worker, fc.nat(), times).map(([w, p, n]) => new Free(w, p, n)),
  fc.tuple(worker, worker).map(([w, by]) => new Leave(w, by)),
  worker.map((w) => new Join(w)),
  fc.constant(new Check()),
];

for (const mode of ['owned', 'global-lock'] as const) {
  test(`heap model (${mode}): alloc/free/cross frees/detach/reclaim across ${WORKERS} instances`, () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 120 }), fc.constantFrom(1024, 4096), (cmds, pageSize) => {
        const size = pageSize * 64;
        const first = SharedHeap.create({ size, pageSize, maxWorkers: WORKERS, blockPages: 4, mode });
        const heaps: (SharedHeap | undefined)[] = [first];
        for (let w = 1; w < WORKERS; w++) heaps.push(SharedHeap.attach(first.buffers, { worker: w }));
        const real: Real = { heaps, pages: size / pageSize };
        const model: Model = { live: new Map() };
        const checked = [...cmds].flatMap((c) => [c, { check: () => true, run: () => first.check(), toString: () => 'check' } as fc.Command<Model, Real>]);
        fc.modelRun(() => ({ model, real }), checked);
        // Free everything left (from whichever instance is still attached), detach all: the heap
        // must be entirely free again.
        let any = real.heaps.find((h) => h !== undefined) ?? SharedHeap.attach(first.buffers, { worker: 0 });
        for (const off of model.live.keys()) any.free(off);
        any.check();
        for (const h of real.heaps) h?.detach();
        if (!real.heaps.includes(any)) any.detach();
        any = SharedHeap.attach(first.buffers, { worker: 0 });
        any.check();
        const stats = any.stats();
        assert.equal(stats.freePages, real.pages, 'heap is not entirely free at the end');
        assert.deepEqual([stats.slabs, stats.ownedBlocks, stats.orphanBlocks, stats.largeBlocks], [0, 0, 0, 0]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
}

test('heap: a free from another worker waits on the owner list until the owner frees or runs out of room', () => {
  const a = SharedHeap.create({ size: 1 << 20 });
  const b = SharedHeap.attach(a.buffers, { worker: 1 });
  const x = a.alloc(100)!;
  const y = a.alloc(100)!;
  b.free(x);
  assert.equal(a.stats().pendingRemoteFrees, 1);
  assert.equal(a.sizeOf(x), undefined, 'a remotely freed object is no longer allocated');
  assert.throws(() => b.free(x), (e: KallocError) => e.code === 'EFAULT');
  assert.throws(() => a.free(x), (e: KallocError) => e.code === 'EFAULT');
  a.check();
  // An alloc with room in its class leaves it pending; the owner's next free reclaims it.
  const z = a.alloc(100)!;
  assert.notEqual(z, x);
  assert.equal(a.stats().pendingRemoteFrees, 1);
  a.free(y);
  assert.equal(a.stats().pendingRemoteFrees, 0);
  assert.equal(a.alloc(100), x, 'the reclaimed slot is reused first (LIFO free list)');
  a.free(x);
  a.free(z);
  a.check();
  // A class that runs out of room reclaims first: fill a slab, free it all remotely, allocate.
  const all: number[] = [];
  for (let i = 0; i < 256; i++) all.push(a.alloc(16)!);
  for (const off of all) b.free(off);
  assert.equal(a.stats().pendingRemoteFrees, 256);
  const again = a.alloc(16)!;
  assert.equal(a.stats().pendingRemoteFrees, 0);
  assert.ok(all.includes(again));
  a.free(again);
  a.check();
});

test('heap: a worker that detaches with live objects orphans them; freeing them returns the block', () => {
  const a = SharedHeap.create({ size: 1 << 20, blockPages: 4 });
  const b = SharedHeap.attach(a.buffers, { worker: 5 });
  const small = b.alloc(48)!;
  const large = b.alloc(10000)!;
  b.detach();
  a.check();
  assert.equal(a.stats().orphanBlocks, 1);
  assert.equal(a.sizeOf(small), 48);
  a.free(small);
  a.free(large);
  a.check();
  assert.equal(a.stats().orphanBlocks, 0);
  a.detach();
  const c = SharedHeap.attach(a.buffers, { worker: 5 });
  assert.equal(c.stats().freePages, 256);
});

test('heap: alignment and page-level sizes', () => {
  const h = SharedHeap.create({ size: 1 << 22, pageSize: 4096 });
  for (const align of [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 65536]) {
    const off = h.alloc(24, { align })!;
    assert.equal(off % align, 0, `align ${align}`);
  }
  assert.equal(h.sizeOf(h.alloc(2049)!), 4096);
  assert.equal(h.sizeOf(h.alloc(4097)!), 8192);
  assert.equal(h.sizeOf(h.alloc(1)!), 16);
  assert.equal(h.sizeOf(h.alloc(129)!), 160);
  assert.equal(h.alloc(1 << 22), undefined, 'the whole heap is no longer free');
  h.check();
});

test('heap: check() reports corrupted metadata (ECORRUPT)', () => {
  const corruptions: [string, (v: HeapViews, off: number, layout: Layout) => void][] = [
    ['an allocated object also on the free list', (v, off) => {
      v.data32[off >> 2] = v.page[(0) * W + P_FREE]!;
      v.page[(0) * W + P_FREE] = off;
    }],
    ['a marked granule inside an object', (v, off) => void (v.objState[(off >> 4) + 1] = 1)],
    ['a lost object (used count too high)', (v) => void v.page[(0) * W + P_USED]!++],
    ['a free-page counter that is off', (v) => void v.meta[C_FREE_PAGES]!++],
    ['a block whose pages name another owner', (v) => void (v.page[(1) * W + P_OWNER] = 7)],
    ['the lock left held', (v) => void (v.meta[LOCK] = 1)],
    ['a remote-free list entry that was never freed', (v, off, layout) => void (v.meta[layout.remote] = off)],
  ];
  for (const [what, corrupt] of corruptions) {
    const heap = SharedHeap.create({ size: 1 << 20, maxWorkers: 2 });
    const off = heap.alloc(64)!;
    heap.alloc(64);
    heap.check();
    const header = readHeader(heap.buffers);
    const layout = layoutFor(header, sizeClasses(header.pageSize).sizes.length);
    corrupt(viewsOf(heap.buffers, header, layout), off, layout);
    assert.throws(() => heap.check(), (e: KallocError) => e.code === 'ECORRUPT', what);
  }
});
