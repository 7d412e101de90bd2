import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { formatNumber, formatRatio } from '../packages/lab/src/format.ts';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import { measure, printResults, type BenchResult } from './harness.ts';
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
}

const task = (churn: () => Churn) => {
  let c: Churn | undefined;
  return {
    ops: BATCH,
    setup: () => {
      c = churn();
    },
    fn: () => c!.run(),
  };
};

const MIB = 2 ** 20;
const randomSize = (r: Prng) => r.range(16, 4096);

// ---- suite `range`: scaling with the live count, and metadata per allocation --------------------

async function scaling(): Promise<void> {
  const results: BenchResult[] = [];
  for (const live of [1_000, 10_000, 100_000, 1_000_000]) {
    const seq = makeSequence(11, live, randomSize, () => 1);
    const [r] = await measure([{ name: `${formatNumber(live)} live`, ...task(() => new Churn(new RangeHeap(2 ** 40), seq)) }]);
    results.push(r!);
  }
  printResults('RangeAllocator: alloc+free pairs/s by live allocations (random 16-4096 B)', results, '1,000 live');
  const ratio = results[0]!.opsPerSec / results[3]!.opsPerSec;
  console.log(`1M live is ${formatRatio(ratio)} slower than 1K live (target: within 2x) -> ${ratio <= 2 ? 'met' : 'NOT met'}`);
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
      `(packed, before churn: ${formatNumber(packed.metadataBytes / n, 1)} B); target <= 64 B -> ` +
      `${Math.max(grown, stats.metadataBytes) / n <= 64 ? 'met' : 'NOT met'}`,
  );
}

// ---- suite `range-peers`: the same sequences on the JavaScript and wasm peers -----------------

async function peers(): Promise<void> {
  const tlsf = await TlsfHeap.create();
  const workloads = [
    { name: '(a) random 16-4096 B, 10,000 live', seq: makeSequence(21, 10_000, randomSize, () => 1) },
    { name: '(b) 256 B churn, 10,000 live', seq: makeSequence(22, 10_000, () => 256, () => 1) },
    { name: '(c) align 256-64 KiB per call, 1,000 live', seq: makeSequence(23, 1_000, randomSize, (r) => 2 ** r.range(8, 16)) },
  ];
  const summary: string[] = [];
  for (const { name, seq } of workloads) {
    // Each heap is fresh per workload; the TLSF instance is one wasm memory, so it is reused
    // after the previous workload freed everything it held.
    const heaps: (() => BenchHeap)[] = [() => new RangeHeap(64 * MIB), () => tlsf, () => new ThingHeap(64 * MIB + MIB), () => new CodemixHeap(64 * MIB + MIB)];
    const tasks = heaps.map((make) => {
      const heap = make();
      return { name: heap.name, ...task(() => new Churn(heap, seq)) };
    });
    const results = await measure(tasks);
    printResults(name, results, 'AssemblyScript TLSF (wasm)');
    const wasted = seq.aligns.reduce((sum, a) => sum + a - 1, 0) / seq.aligns.length;
    if (wasted > 0) {
      console.log(`over-allocation per allocation: kalloc 0 B (alignment per call); peers ${formatNumber(wasted, 0)} B (size + align - 1)`);
    }
    const ours = results[0]!.opsPerSec;
    summary.push(`${name}: ${formatRatio(ours / results[1]!.opsPerSec)} TLSF, ${formatRatio(ours / results[2]!.opsPerSec)} @thi.ng/malloc, ${formatRatio(ours / results[3]!.opsPerSec)} codemix`);
  }
  console.log(`\nRangeAllocator vs peers (targets: >= 1.0x TLSF on (a), >= 1.5x on (c), >= 100x @thi.ng/malloc on (a)):\n  ${summary.join('\n  ')}`);
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
