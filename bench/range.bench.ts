import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { formatNumber, formatRatio } from '../packages/lab/src/format.ts';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import { CodemixHeap, RangeHeap, ThingHeap, TlsfHeap, type BenchHeap } from './range-peers.ts';
import type { BenchSuite } from './index.ts';

/**
 * Range allocator benchmarks. An operation is one free + alloc pair on a heap holding a steady
 * number of live allocations: the pair frees a random live block and allocates a new one in its
 * slot, replaying a pre-generated sequence so that every heap sees exactly the same requests.
 */
const BATCH = 1024;
const SEQUENCE = 1 << 16;

interface Sequence {
  live: number;
  sizes: Float64Array;
  aligns: Float64Array;
  victims: Uint32Array;
}

function makeSequence(seed: number, live: number, size: (r: Prng) => number, align: (r: Prng) => number): Sequence {
  const r = new Prng(seed);
  const length = live + SEQUENCE;
  const sizes = new Float64Array(length);
  const aligns = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    sizes[i] = size(r);
    aligns[i] = align(r);
  }
  const victims = new Uint32Array(SEQUENCE);
  for (let i = 0; i < SEQUENCE; i++) victims[i] = r.below(live);
  return { live, sizes, aligns, victims };
}

/** Replays a sequence on a heap: the first `live` requests fill it, the rest churn. */
class Churn {
  private readonly handles: Float64Array;
  private pos = 0;

  constructor(
    readonly heap: BenchHeap,
    readonly seq: Sequence,
  ) {
    this.handles = new Float64Array(seq.live);
    for (let i = 0; i < seq.live; i++) this.handles[i] = heap.alloc(seq.sizes[i]!, seq.aligns[i]!);
  }

  /** BATCH free + alloc pairs. */
  run(): void {
    const { heap, handles } = this;
    const { sizes, aligns, victims, live } = this.seq;
    let pos = this.pos;
    for (let i = 0; i < BATCH; i++) {
      const k = victims[pos]!;
      heap.free(handles[k]!);
      handles[k] = heap.alloc(sizes[live + pos]!, aligns[live + pos]!);
      pos = (pos + 1) & (SEQUENCE - 1);
    }
    this.pos = pos;
  }

  /** Frees every live block (the TLSF instance is shared between workloads). */
  drain(): void {
    for (let i = 0; i < this.seq.live; i++) this.heap.free(this.handles[i]!);
  }
}

/** Rounds of the interleaved measurement, and the time each churn runs per round. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SLICE_MS = Number(process.env.BENCH_TIME ?? 600) / 6;

interface Interleaved {
  name: string;
  /** Pairs per second, one figure per round. */
  rounds: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Runs the churns in turn, ROUNDS times (the first one to start rotates), each for SLICE_MS per
 * round after one untimed warm-up slice: on a shared machine a burst of load then hits every
 * heap alike, and each round gives one ratio.
 */
function interleave(churns: { name: string; churn: Churn }[]): Interleaved[] {
  const slice = (c: Churn): number => {
    let pairs = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      c.run();
      pairs += BATCH;
      t = performance.now();
    } while (t - t0 < SLICE_MS);
    return (pairs * 1000) / (t - t0);
  };
  for (const { churn } of churns) slice(churn);
  const out = churns.map(({ name }) => ({ name, rounds: [] as number[] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < churns.length; k++) {
      const j = (r + k) % churns.length;
      out[j]!.rounds.push(slice(churns[j]!.churn));
    }
  }
  return out;
}

/** "0.62x (0.55-0.71)": the median of the per-round ratios a/b, with their range. */
function ratioSpread(a: Interleaved, b: Interleaved): { median: number; text: string } {
  const ratios = a.rounds.map((x, i) => x / b.rounds[i]!);
  const m = median(ratios);
  return { median: m, text: `${formatRatio(m)} (${formatRatio(Math.min(...ratios))}-${formatRatio(Math.max(...ratios))})` };
}

function printInterleaved(title: string, results: Interleaved[], baseline: Interleaved): void {
  console.log(`\n${title} (pairs/s over ${ROUNDS} interleaved rounds: median, min-max; ratio: median of the per-round ratios)`);
  for (const r of results) {
    const spread = `${formatNumber(Math.round(median(r.rounds)))} (${formatNumber(Math.round(Math.min(...r.rounds)))}-${formatNumber(Math.round(Math.max(...r.rounds)))})`;
    console.log(`  ${r.name.padEnd(28)} ${spread.padEnd(36)} ${r === baseline ? '' : `${ratioSpread(r, baseline).text} vs ${baseline.name}`}`);
  }
}

const MIB = 2 ** 20;
const randomSize = (r: Prng) => r.range(16, 4096);

// ---- suite `range`: scaling with the live count, and metadata per allocation --------------------

async function scaling(): Promise<void> {
  const churns = [1_000, 10_000, 100_000, 1_000_000].map((live) => ({
    name: `${formatNumber(live)} live`,
    churn: new Churn(new RangeHeap(2 ** 40), makeSequence(11, live, randomSize, () => 1)),
  }));
  const results = interleave(churns);
  printInterleaved('RangeAllocator: alloc+free pairs by live allocations (random 16-4096 B)', results, results[0]!);
  const slower = ratioSpread(results[0]!, results[3]!);
  console.log(`1M live is ${slower.text} slower than 1K live (target: within 2x) -> ${slower.median <= 2 ? 'met' : 'NOT met'}`);
}

function metadata(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('metadata: run with --expose-gc (npm run bench does) to measure heap growth');
    return;
  }
  const n = 1_000_000;
  const seq = makeSequence(13, n, randomSize, () => 1);
  gc();
  gc();
  const before = process.memoryUsage();
  const heap = new RangeHeap(2 ** 40);
  const churn = new Churn(heap, seq);
  const packed = heap.space.stats();
  for (let i = 0; i < n / BATCH; i++) churn.run();
  gc();
  gc();
  const after = process.memoryUsage();
  const stats = heap.space.stats();
  const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers) - 8 * n; // minus the bench's own handle array
  console.log(
    `\nRangeAllocator metadata at ${formatNumber(n)} live allocations after ${formatNumber(n)} churn pairs ` +
      `(${formatNumber(stats.freeAreaCount)} free areas):\n` +
      `  heap growth ${formatNumber(grown / n, 1)} B per allocation; typed arrays ${formatNumber(stats.metadataBytes / n, 1)} B ` +
      `(packed, before churn: ${formatNumber(packed.metadataBytes / n, 1)} B); target <= 40 B -> ` +
      `${Math.max(grown, stats.metadataBytes) / n <= 40 ? 'met' : 'NOT met'}`,
  );
}

// ---- suite `range-peers`: the same sequences on the JavaScript and wasm peers -----------------

/** Targets (issue 14): RangeAllocator / TLSF per workload. */
const TLSF_TARGETS = [0.5, 0.7, 1.0];

async function peers(): Promise<void> {
  const tlsf = await TlsfHeap.create();
  const workloads = [
    { name: '(a) random 16-4096 B, 10,000 live', seq: makeSequence(21, 10_000, randomSize, () => 1) },
    { name: '(b) 256 B churn, 10,000 live', seq: makeSequence(22, 10_000, () => 256, () => 1) },
    { name: '(c) align 256-64 KiB per call, 1,000 live', seq: makeSequence(23, 1_000, randomSize, (r) => 2 ** r.range(8, 16)) },
  ];
  const summary: string[] = [];
  for (const [w, { name, seq }] of workloads.entries()) {
    // Each heap is fresh per workload; the TLSF instance is one wasm memory, so it is reused
    // after the previous workload freed everything it held.
    const heaps: BenchHeap[] = [new RangeHeap(64 * MIB), tlsf, new ThingHeap(64 * MIB + MIB), new CodemixHeap(64 * MIB + MIB)];
    const churns = heaps.map((heap) => ({ name: heap.name, churn: new Churn(heap, seq) }));
    const results = interleave(churns);
    for (const { churn } of churns) churn.drain();
    printInterleaved(name, results, results[1]!);
    const wasted = seq.aligns.reduce((sum, a) => sum + a - 1, 0) / seq.aligns.length;
    if (wasted > 0) {
      console.log(`over-allocation per allocation: kalloc 0 B (alignment per call); peers ${formatNumber(wasted, 0)} B (size + align - 1)`);
    }
    const [ours, tlsfResult, thing, codemix] = results as [Interleaved, Interleaved, Interleaved, Interleaved];
    const vsTlsf = ratioSpread(ours, tlsfResult);
    const target = TLSF_TARGETS[w]!;
    summary.push(
      `${name}: ${vsTlsf.text} TLSF (target >= ${target}x: ${vsTlsf.median >= target ? 'met' : 'NOT met'}), ` +
        `${ratioSpread(ours, thing).text} @thi.ng/malloc, ${ratioSpread(ours, codemix).text} codemix`,
    );
  }
  console.log(`\nRangeAllocator vs peers (median of per-round ratios, min-max):\n  ${summary.join('\n  ')}`);
}

export const rangeSuite: BenchSuite = {
  name: 'range',
  description: 'RangeAllocator alloc+free pairs/s from 1K to 1M live allocations, and metadata bytes per allocation',
  run: async () => {
    await scaling();
    metadata();
  },
};

export const rangePeersSuite: BenchSuite = {
  name: 'range-peers',
  description: 'RangeAllocator against AssemblyScript TLSF, @thi.ng/malloc and codemix malloc on the same sequences',
  run: peers,
};
