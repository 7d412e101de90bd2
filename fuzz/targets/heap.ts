import fc from 'fast-check';
import { SharedHeap, type HeapMode } from 'kalloc';
import { agree, checked, fail, guarded, hostile, type Outcome, type Target } from '../harness.ts';

/**
 * SharedHeap with per-worker ownership against the same heap under one global lock, in one
 * thread with two attached instances each (worker 0 and 1), so that frees cross workers. Errors
 * must agree; each design's shadow model (live objects and their usable sizes) must match: no
 * overlap, sizeOf right, every offset that is not a live object's start refused (inside one,
 * freed twice, hostile values). Worker 1 is sometimes reclaimed as if it had died, then attached
 * again.
 */
type Op =
  | { k: 'alloc'; by: number; size: number; align: number }
  | { k: 'free'; by: number; pick: number }
  | { k: 'bad'; by: number; pick: number; delta: number }
  | { k: 'reclaim' }
  | { k: 'hostile'; call: 'alloc' | 'free' | 'align' | 'sizeOf'; value: unknown };

const PAGE = 4096;
const SIZE = 64 * PAGE;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('alloc' as const), by: fc.nat(1), size: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3 * PAGE })), align: fc.constantFrom(1, 1, 16, 64, 4096) }) },
  { weight: 7, arbitrary: fc.record({ k: fc.constant('free' as const), by: fc.nat(1), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('bad' as const), by: fc.nat(1), pick: fc.nat(), delta: fc.integer({ min: -17, max: 17 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reclaim' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hostile' as const), call: fc.constantFrom('alloc' as const, 'free' as const, 'align' as const, 'sizeOf' as const), value: hostile }) },
);

class Side {
  readonly heap: SharedHeap;
  workers: SharedHeap[];
  readonly live = new Map<number, number>(); // offset -> usable size
  readonly order: number[] = [];

  constructor(mode: HeapMode) {
    this.heap = SharedHeap.create({ size: SIZE, pageSize: PAGE, blockPages: 4, maxWorkers: 2, mode });
    this.workers = [this.heap, SharedHeap.attach(this.heap.buffers, { worker: 1 })];
  }

  state(): string {
    const { lock: _counters, ...rest } = this.heap.stats(); // lock counters count refused calls too
    return JSON.stringify(rest);
  }

  add(off: number, size: number, align: number, what: string): void {
    const usable = this.heap.sizeOf(off);
    if (usable === undefined || usable < size) fail(`${what}: sizeOf(${off}) = ${usable} for a ${size}-byte object`);
    if (off % Math.max(16, align) !== 0) fail(`${what}: ${off} is not aligned to ${align}`);
    for (const [s, n] of this.live) if (off < s + n && s < off + usable) fail(`${what}: [${off}, +${usable}) overlaps [${s}, +${n})`);
    this.live.set(off, usable);
    this.order.push(off);
  }
}

function run(ops: Op[]): number {
  const sides = [new Side('owned'), new Side('global-lock')] as const;
  let calls = 0;
  const each = (what: string, fn: (s: Side) => unknown): Outcome[] =>
    sides.map((s, i) => {
      calls++;
      return guarded(`${i === 0 ? 'owned' : 'global-lock'} ${what}`, () => s.state(), () => fn(s));
    });
  for (const o of ops) {
    const what = JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (o.k === 'alloc') {
      const outs = each(what, (s) => s.workers[o.by]!.alloc(o.size, { align: o.align }));
      agree(what, outs[0]!, outs[1]!, () => true);
      sides.forEach((s, i) => outs[i]!.ok && outs[i]!.value !== undefined && s.add(outs[i]!.value as number, o.size, o.align, what));
    } else if (o.k === 'free') {
      const outs = each(what, (s) => {
        if (s.order.length === 0) return;
        const off = s.order.splice(o.pick % s.order.length, 1)[0]!;
        s.live.delete(off);
        s.workers[o.by]!.free(off);
      });
      outs.forEach((r) => !r.ok && fail(`${what}: freeing a live object failed: ${r.code}`));
    } else if (o.k === 'bad') {
      const outs = each(what, (s) => {
        if (s.order.length === 0) return 'none';
        const base = s.order[o.pick % s.order.length]!;
        const off = base + (o.delta === 0 ? s.live.get(base)! : o.delta); // delta 0: just past it
        if (s.live.has(off)) return 'live';
        s.workers[o.by]!.free(off);
        return 'accepted';
      });
      outs.forEach((r) => r.ok && r.value === 'accepted' && fail(`${what}: a free of no object's start was accepted`));
    } else if (o.k === 'reclaim') {
      each(what, (s) => {
        s.heap.reclaim(1); // as if worker 1 had died: its objects become orphans, still live
        s.workers = [s.heap, SharedHeap.attach(s.heap.buffers, { worker: 1 })];
      }).forEach((r) => !r.ok && fail(`${what}: reclaim failed: ${r.code}`));
    } else {
      const v = o.value as number;
      const outs = each(what, (s) => (o.call === 'alloc' ? s.heap.alloc(v) : o.call === 'free' ? s.heap.free(v) : o.call === 'align' ? s.heap.alloc(16, { align: v }) : s.heap.sizeOf(v)));
      // -0 reads as 0, which may be live in one design and not the other: each checks its own model.
      if (!Object.is(v, -0)) agree(what, outs[0]!, outs[1]!, (x, y) => typeof x === typeof y);
      sides.forEach((s, i) => {
        const r = outs[i]!;
        if (!r.ok) return;
        if (o.call === 'free') {
          if (!Object.is(v, -0) || !s.live.has(0)) fail(`${what}: a hostile free was accepted`);
          s.live.delete(0); // -0 reads as 0
          s.order.splice(s.order.indexOf(0), 1);
        }
        if (o.call === 'sizeOf' && r.value !== undefined && r.value !== s.live.get(0)) fail(`${what}: sizeOf answered ${r.value}`);
        if ((o.call === 'alloc' || o.call === 'align') && r.value !== undefined) s.add(r.value as number, o.call === 'alloc' ? v : 16, 1, what);
      });
    }
    checked(what, ...sides.map((s) => () => s.heap.check()));
    for (const s of sides) {
      const st = s.heap.stats();
      const objects = st.liveObjects - st.pendingRemoteFrees + st.largeBlocks;
      if (objects !== s.live.size) fail(`${what}: ${objects} objects live in the heap, the model has ${s.live.size}`);
    }
  }
  return calls;
}

export const heapTarget: Target<Op> = { name: 'heap', op, run };
