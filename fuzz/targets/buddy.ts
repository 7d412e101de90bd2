import fc from 'fast-check';
import { BuddyAllocator, LegacyBuddyAllocator, type BuddyBlock } from 'kalloc';
import { agree, checked, fail, guarded, hostile, type Outcome, type Target } from '../harness.ts';

/**
 * BuddyAllocator (2026 unified free tree) against LegacyBuddyAllocator. The designs differ only
 * in how they treat cleared memory, so on dirty-only traffic (no clear preference, no cleared
 * frees; `dirty` sequences) every answer must be the same blocks; on mixed traffic they must
 * agree on every error and on what is free. Shadow model: the live byte ranges never overlap
 * and add up to size - avail. Hostile: bad sizes and options, handles with a changed field.
 */
type Op =
  | { k: 'alloc'; chunks: number; contiguous: boolean; topDown: boolean; clear: boolean; min: number; trim: boolean; range: [number, number] | null }
  | { k: 'free'; pick: number; cleared: boolean }
  | { k: 'trim'; pick: number; keep: number }
  | { k: 'changed'; pick: number; field: 'offset' | 'size' | 'order'; by: number; call: 'free' | 'trim' }
  | { k: 'hostile'; call: 'alloc' | 'trim' | 'minBlockSize' | 'start'; value: unknown };

const CHUNK = 4096;
const CHUNKS = 96; // not a power of two: three roots
const SIZE = CHUNKS * CHUNK;

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('alloc' as const), chunks: fc.integer({ min: 1, max: 40 }), contiguous: fc.boolean(), topDown: fc.boolean(), clear: fc.boolean(), min: fc.constantFrom(1, 1, 2, 4, 8), trim: fc.boolean(), range: fc.option(fc.tuple(fc.nat(CHUNKS), fc.nat(CHUNKS)), { freq: 5 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('free' as const), pick: fc.nat(), cleared: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('trim' as const), pick: fc.nat(), keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('changed' as const), pick: fc.nat(), field: fc.constantFrom('offset' as const, 'size' as const, 'order' as const), by: fc.integer({ min: 1, max: 3 }), call: fc.constantFrom('free' as const, 'trim' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('hostile' as const), call: fc.constantFrom('alloc' as const, 'trim' as const, 'minBlockSize' as const, 'start' as const), value: hostile }) },
);

type Design = BuddyAllocator | LegacyBuddyAllocator;
const spans = (blocks: unknown) => (blocks === undefined ? undefined : (blocks as BuddyBlock[]).map((b) => [b.offset, b.size]));
const sameSpans = (x: unknown, y: unknown) => JSON.stringify(spans(x)) === JSON.stringify(spans(y));

function runWith(ops: Op[], dirty: boolean): number {
  const a = new BuddyAllocator({ size: SIZE });
  const b = new LegacyBuddyAllocator({ size: SIZE });
  const live: [BuddyBlock[], BuddyBlock[]][] = []; // one entry per allocation: its blocks in each design
  const state = () => JSON.stringify([a.stats(), b.stats()]);
  const both = (what: string, ca: (x: Design) => unknown, cb: (x: Design) => unknown = ca, exact = dirty): [Outcome, Outcome] => {
    const ra = guarded(`unified ${what}`, state, () => ca(a));
    const rb = guarded(`legacy ${what}`, state, () => cb(b));
    agree(what, ra, rb, exact ? sameSpans : () => true);
    return [ra, rb];
  };
  for (const o of ops) {
    const what = JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (o.k === 'alloc') {
      const opts = {
        contiguous: o.contiguous, topDown: o.topDown, clear: !dirty && o.clear, minBlockSize: o.min * CHUNK, trim: o.trim,
        ...(o.range ? { start: Math.min(...o.range) * CHUNK, end: Math.max(...o.range) * CHUNK } : {}),
      };
      const [ra, rb] = both(what, (x) => x.alloc(o.chunks * CHUNK, opts), undefined, dirty);
      if (ra.ok && ra.value && rb.ok && rb.value) live.push([ra.value as BuddyBlock[], rb.value as BuddyBlock[]]);
      else if (ra.ok && ra.value) a.free(ra.value as BuddyBlock[]);
      else if (rb.ok && rb.value) b.free(rb.value as BuddyBlock[]);
    } else if (o.k === 'free' || o.k === 'trim') {
      if (live.length === 0) continue;
      const i = o.pick % live.length;
      const [ba, bb] = live[i]!;
      if (o.k === 'free') {
        const [ra, rb] = both(what, () => a.free(ba, { cleared: !dirty && o.cleared }), () => b.free(bb, { cleared: !dirty && o.cleared }), false);
        if (!ra.ok || !rb.ok) fail(`${what}: freeing live blocks failed`);
        live.splice(i, 1);
      } else {
        const j = o.keep % ba.length;
        if (ba.length !== bb.length || ba[j]!.size !== bb[j]!.size) continue;
        const keep = Math.max(CHUNK, Math.floor((o.keep % ba[j]!.size) / CHUNK) * CHUNK);
        const [ra, rb] = both(what, () => a.trim(ba[j]!, keep), () => b.trim(bb[j]!, keep), false);
        if (!ra.ok || !rb.ok) fail(`${what}: trimming a live block failed`);
        ba.splice(j, 1, ...(ra.value as BuddyBlock[]));
        bb.splice(j, 1, ...(rb.value as BuddyBlock[]));
      }
    } else if (o.k === 'changed') {
      if (live.length === 0) continue;
      const [ba, bb] = live[o.pick % live.length]!;
      const forge = (h: BuddyBlock) => {
        const copy = Object.create(Object.getPrototypeOf(h), Object.getOwnPropertyDescriptors(h));
        Object.defineProperty(copy, o.field, { value: h[o.field] + (o.field === 'order' ? o.by : o.by * CHUNK) });
        return copy as BuddyBlock;
      };
      const [ra] = both(what, () => (o.call === 'free' ? a.free([forge(ba[0]!)]) : a.trim(forge(ba[0]!), CHUNK)), () => (o.call === 'free' ? b.free([forge(bb[0]!)]) : b.trim(forge(bb[0]!), CHUNK)), false);
      if (ra.ok) fail(`${what}: a changed handle was accepted`);
    } else {
      const v = o.value as number;
      const [ra, rb] = both(what, (x) =>
        o.call === 'alloc' ? x.alloc(v) : o.call === 'trim' ? (live[0] ? x.trim((x === a ? live[0][0] : live[0][1])[0]!, v) : x.alloc(v)) : o.call === 'minBlockSize' ? x.alloc(CHUNK, { minBlockSize: v }) : x.alloc(CHUNK, { start: v }),
        undefined, false,
      );
      // Acceptable: "not given" (undefined) and -0 (read as 0) in an option, and a minBlockSize
      // that is a power of two up to 2^53 (a small block at an offset aligned to it: offset 0).
      const acceptable =
        (o.call === 'start' && (v === undefined || Object.is(v, -0))) ||
        (o.call === 'minBlockSize' && (v === undefined || v === 2 ** 53));
      if (ra.ok && ra.value !== undefined && !acceptable) fail(`${what}: a hostile value was accepted (${JSON.stringify(spans(ra.value))})`);
      if (ra.ok && Array.isArray(ra.value)) a.free(ra.value as BuddyBlock[]);
      if (rb.ok && Array.isArray(rb.value)) b.free(rb.value as BuddyBlock[]);
    }
    checked(what, () => a.check(), () => b.check());
    for (const [d, side] of [[a, 0], [b, 1]] as const) {
      const blocks = live.flatMap((pair) => pair[side]);
      const used = blocks.reduce((n, x) => n + x.size, 0);
      if (d.avail !== SIZE - used) fail(`${what}: ${side === 0 ? 'unified' : 'legacy'} avail ${d.avail}, its live blocks leave ${SIZE - used} free`);
      const ranges = blocks.map((x) => [x.offset, x.offset + x.size]).sort((p, q) => p[0]! - q[0]!);
      for (let i = 1; i < ranges.length; i++) if (ranges[i]![0]! < ranges[i - 1]![1]!) fail(`${what}: live blocks overlap at ${ranges[i]![0]}`);
    }
  }
  return ops.length * 2;
}

export const buddyTarget: Target<Op> = {
  name: 'buddy',
  op,
  run: (list) => runWith(list, list.length % 2 === 0), // half the sequences are dirty-only (exact differential)
};
