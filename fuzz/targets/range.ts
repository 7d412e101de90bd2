import fc from 'fast-check';
import { LinearRangeAllocator, RangeAllocator } from 'kalloc';
import { agree, checked, fail, guarded, hostile, type Target } from '../harness.ts';

/**
 * RangeAllocator (augmented free tree) against LinearRangeAllocator (the pre-2019 linear search):
 * both find the lowest fit, so every answer must be the same offset. Shadow model: the live
 * ranges, never overlapping, inside the space, aligned as asked.
 */
type Op =
  | { k: 'alloc'; size: number; align: number; window: [number, number] | null }
  | { k: 'allocAt'; at: number; size: number }
  | { k: 'free'; pick: number }
  | { k: 'hostile'; call: 'alloc' | 'free' | 'sizeOf' | 'allocAt' | 'align' | 'start'; value: unknown }
  | { k: 'inner'; pick: number; delta: number };

const BASE = 4096;
const SIZE = 1 << 16;

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('alloc' as const), size: fc.integer({ min: 1, max: 9000 }), align: fc.constantFrom(1, 1, 16, 256, 4096), window: fc.option(fc.tuple(fc.integer({ min: 0, max: SIZE }), fc.integer({ min: 0, max: SIZE })), { freq: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('allocAt' as const), at: fc.integer({ min: BASE, max: BASE + SIZE - 1 }), size: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hostile' as const), call: fc.constantFrom('alloc' as const, 'free' as const, 'sizeOf' as const, 'allocAt' as const, 'align' as const, 'start' as const), value: hostile }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('inner' as const), pick: fc.nat(), delta: fc.integer({ min: -3, max: 3 }) }) },
);

function run(ops: Op[]): number {
  const tree = new RangeAllocator({ start: BASE, size: SIZE });
  const lin = new LinearRangeAllocator({ start: BASE, size: SIZE });
  const live = new Map<number, number>();
  const state = () => JSON.stringify([tree.stats(), lin.stats()]);
  const both = (what: string, call: (r: RangeAllocator | LinearRangeAllocator) => unknown) => {
    const a = guarded(`tree ${what}`, state, () => call(tree));
    const b = guarded(`linear ${what}`, state, () => call(lin));
    agree(what, a, b);
    return a;
  };
  const keys = () => [...live.keys()];
  for (const o of ops) {
    const what = JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (o.k === 'alloc') {
      const opts = { align: o.align, ...(o.window ? { start: BASE + Math.min(...o.window), end: BASE + Math.max(...o.window) } : {}) };
      const r = both(what, (x) => x.alloc(o.size, opts));
      if (r.ok && r.value !== undefined) {
        const at = r.value as number;
        if (at % o.align !== 0 || at < opts.start! || at + o.size > (opts.end ?? BASE + SIZE)) fail(`${what}: ${at} breaks the request`);
        for (const [s, n] of live) if (at < s + n && s < at + o.size) fail(`${what}: ${at} overlaps [${s}, +${n})`);
        live.set(at, o.size);
      }
    } else if (o.k === 'allocAt') {
      const r = both(what, (x) => x.allocAt(o.at, o.size));
      const free = ![...live].some(([s, n]) => o.at < s + n && s < o.at + o.size) && o.at + o.size <= BASE + SIZE;
      if (r.ok && r.value !== free) fail(`${what}: allocAt answered ${r.value}, the model says ${free}`);
      if (r.ok && r.value === true) live.set(o.at, o.size);
    } else if (o.k === 'free') {
      if (live.size === 0) continue;
      const at = keys()[o.pick % live.size]!;
      const r = both(what, (x) => x.free(at));
      if (!r.ok || r.value !== live.get(at)) fail(`${what}: free(${at}) gave ${JSON.stringify(r)}`);
      live.delete(at);
    } else if (o.k === 'inner') {
      if (live.size === 0) continue;
      const at = keys()[o.pick % live.size]! + (o.delta === 0 ? 1 : o.delta);
      if (live.has(at)) continue;
      const r = both(what, (x) => x.free(at));
      if (r.ok) fail(`${what}: free(${at}) of no allocation's start was accepted`);
      both(what, (x) => x.sizeOf(at));
    } else {
      const v = o.value as number;
      const r = both(what, (x) =>
        o.call === 'alloc' ? x.alloc(v) : o.call === 'free' ? x.free(v) : o.call === 'sizeOf' ? x.sizeOf(v) : o.call === 'allocAt' ? x.allocAt(v, 16) : o.call === 'align' ? x.alloc(16, { align: v }) : x.alloc(16, { start: v }),
      );
      if (r.ok && typeof r.value === 'number' && (o.call === 'alloc' || o.call === 'align' || o.call === 'start')) {
        if (Object.is(r.value, -0)) fail(`${what}: returned -0`);
        live.set(r.value, o.call === 'alloc' ? v : 16);
      }
      if (r.ok && o.call === 'allocAt' && r.value === true) live.set(v, 16);
      if (r.ok && o.call === 'free') fail(`${what}: free of a hostile value was accepted`);
      if (r.ok && o.call === 'sizeOf' && r.value !== undefined && !live.has(v)) fail(`${what}: sizeOf answered ${r.value} for no allocation`);
    }
    checked(what, () => tree.check(), () => lin.check());
    const used = [...live.values()].reduce((a, b) => a + b, 0);
    if (tree.usedBytes !== used) fail(`${what}: usedBytes ${tree.usedBytes}, the model has ${used}`);
  }
  return ops.length * 2;
}

export const rangeTarget: Target<Op> = { name: 'range', op, run };
