import { Prng } from 'kalloc';
import { GpuHeap, type GpuAllocation } from 'kalloc/webgpu';
import { defineScenario, type MetricInfo, type ScenarioOutcome } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { now, sinceMs } from '../kit/clock.ts';
import { percentile } from '../kit/stats.ts';

/**
 * GpuHeap on real WebGPU (Chromium, SwiftShader): a VRAM manager's frames, textures and buffers
 * of mixed sizes allocated clear and freed dirty (some freed cleared), under four ways to meet
 * the zero guarantee. Every clear allocation is read back and must be all zeros.
 *
 * This module is also the page's code: the scenario bundles it for the page, which calls
 * runClearWay(); only run() (Node) opens the browser, through a module it imports on demand.
 */
const WAYS = ['unified + idle clearing', 'unified', 'legacy', 'untracked'] as const;
type Way = (typeof WAYS)[number];
const MiB = 1 << 20;
const VS_UNTRACKED = 0.1;

export interface ClearParams {
  frames: number;
  chunkMiB: number;
  chunks: number;
  /** New resources per frame: 1 .. 2 * spawn - 1. */
  spawn: number;
  /** clearIdle budget between frames (unified + idle clearing). */
  idleMiB: number;
  /** A large contiguous request every `largeEvery` frames. */
  largeEvery: number;
  largeMiB: number;
  seed: number;
}

/** What one way measured in the page (plain data). */
export interface WayResult {
  clearAllocs: number;
  bytesAllocatedClear: number;
  bytesClearedOnAlloc: number;
  bytesClearedIdle: number;
  clearCallsOnAlloc: number;
  clearCallsIdle: number;
  latenciesMs: number[];
  largeRequests: number;
  largeFailures: number;
  failedAllocs: number;
  bytesVerified: number;
  nonzero: string[];
}

/**
 * Copies allocations into a MAP_READ buffer right after they are handed out and checks them for
 * zeros in batches. The copy goes into the caller's encoder (which must be submitted before
 * flush() and before anything else writes the memory), or without one is submitted at once.
 * Shared with the browser tests.
 */
export class ZeroReader {
  private readonly staging: GPUBuffer;
  private used = 0;
  private readonly pending: { label: string; at: number; size: number }[] = [];
  bytesVerified = 0;
  readonly failures: string[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly capacity = 8 * MiB,
  ) {
    this.staging = device.createBuffer({ size: capacity, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Whether `bytes` more fit before a flush(). */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.capacity;
  }

  async expectZero(a: GpuAllocation, label: string, into?: GPUCommandEncoder): Promise<void> {
    for (const b of a.blocks) {
      for (let done = 0; done < b.size; ) {
        if (this.used === this.capacity) await this.flush();
        const n = Math.min(b.size - done, this.capacity - this.used);
        const encoder = into ?? this.device.createCommandEncoder();
        encoder.copyBufferToBuffer(b.buffer, b.offset + done, this.staging, this.used, n);
        if (into === undefined) this.device.queue.submit([encoder.finish()]);
        this.pending.push({ label: `${label} block @${b.offset}+${done}`, at: this.used, size: n });
        this.used += n;
        done += n;
      }
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.staging.mapAsync(GPUMapMode.READ, 0, this.used);
    const words = new Uint32Array(this.staging.getMappedRange(0, this.used));
    for (const p of this.pending) {
      const bad = words.subarray(p.at / 4, (p.at + p.size) / 4).findIndex((w) => w !== 0);
      if (bad >= 0) this.failures.push(`${p.label}: nonzero word at +${bad * 4}`);
      this.bytesVerified += p.size;
    }
    this.staging.unmap();
    this.pending.length = 0;
    this.used = 0;
  }

  destroy(): void {
    this.staging.destroy();
  }
}

/** The page's WebGPU device (Chromium exposes navigator.gpu on secure pages). */
export async function requestDevice(): Promise<GPUDevice> {
  const gpu = (globalThis as unknown as { navigator: NavigatorGPU }).navigator.gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  return adapter.requestDevice();
}

/** Fills every block of an allocation with `pattern` through the queue (the app's data). */
export function fill(device: GPUDevice, a: GpuAllocation, pattern: Uint8Array<ArrayBuffer>): void {
  for (const b of a.blocks) {
    for (let done = 0; done < b.size; done += pattern.length) {
      device.queue.writeBuffer(b.buffer, b.offset + done, pattern, 0, Math.min(pattern.length, b.size - done));
    }
  }
}

/** Clears every block of an allocation with the app's own command (untracked, and frees "cleared"). */
function appClear(device: GPUDevice, a: GpuAllocation): number {
  const encoder = device.createCommandEncoder();
  for (const b of a.blocks) encoder.clearBuffer(b.buffer, b.offset, b.size);
  device.queue.submit([encoder.finish()]);
  return a.blocks.length;
}

/** Page side: one way through the frames (the same seeded workload for every way). */
export async function runClearWay(way: Way, p: ClearParams): Promise<WayResult> {
  const device = await requestDevice();
  const heap = new GpuHeap(device, { chunkSize: p.chunkMiB * MiB, maxSize: p.chunks * p.chunkMiB * MiB, design: way === 'legacy' ? 'legacy' : 'unified' });
  const reader = new ZeroReader(device);
  const rng = new Prng(p.seed);
  const garbage = device.createBuffer({ size: p.largeMiB * MiB, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(garbage, 0, new Uint8Array(p.largeMiB * MiB).map((_, i) => 1 + (i % 251)));
  const live: { a: GpuAllocation; expires: number; cleared: boolean }[] = [];
  const r: WayResult = { clearAllocs: 0, bytesAllocatedClear: 0, bytesClearedOnAlloc: 0, bytesClearedIdle: 0, clearCallsOnAlloc: 0, clearCallsIdle: 0, latenciesMs: [], largeRequests: 0, largeFailures: 0, failedAllocs: 0, bytesVerified: 0, nonzero: reader.failures };
  let untrackedBytes = 0;
  let untrackedCalls = 0;

  /** A clear allocation as the way makes it, timed (alloc, encode and submit of any clear). */
  const allocClear = (size: number, contiguous: boolean): GpuAllocation | undefined => {
    const t0 = now();
    let a: GpuAllocation | undefined;
    if (way === 'untracked') {
      a = heap.alloc(size, { contiguous });
      if (a !== undefined) {
        untrackedCalls += appClear(device, a);
        untrackedBytes += a.blocks.reduce((s, b) => s + b.size, 0);
      }
    } else {
      a = heap.alloc(size, { clear: true, contiguous });
    }
    r.latenciesMs.push(sinceMs(t0));
    if (a === undefined) return undefined;
    r.clearAllocs++;
    r.bytesAllocatedClear += a.blocks.reduce((s, b) => s + b.size, 0);
    return a;
  };

  // Each frame records its readbacks and uploads into one command buffer, submits it, then
  // releases the resources that expire (after their last use, as a deferred-deletion queue does)
  // and, for the idle way, clears dirty free memory before the next frame.
  for (let frame = 1; frame <= p.frames; frame++) {
    let encoder = device.createCommandEncoder();
    const use = async (a: GpuAllocation, label: string): Promise<void> => {
      if (!reader.fits(a.size + MiB)) {
        device.queue.submit([encoder.finish()]);
        await reader.flush();
        encoder = device.createCommandEncoder();
      }
      await reader.expectZero(a, label, encoder);
      for (const b of a.blocks) encoder.copyBufferToBuffer(garbage, 0, b.buffer, b.offset, b.size); // the app uploads its data
    };
    for (let n = rng.range(1, 2 * p.spawn - 1); n > 0; n--) {
      const texture = rng.chance(0.4);
      const size = texture ? 2 ** rng.range(14, 20) * (rng.chance(0.3) ? 1.5 : 1) : rng.range(256, 64 << 10);
      const a = allocClear(size, texture);
      if (a === undefined) {
        r.failedAllocs++;
        continue;
      }
      await use(a, `${way} frame ${frame}`);
      live.push({ a, expires: frame + rng.range(0, 40), cleared: rng.chance(0.1) });
    }
    if (frame % p.largeEvery === 0) {
      r.largeRequests++;
      const a = allocClear(p.largeMiB * MiB, true);
      if (a === undefined) r.largeFailures++;
      else {
        await use(a, `${way} frame ${frame} large`);
        live.push({ a, expires: frame, cleared: false });
      }
    }
    device.queue.submit([encoder.finish()]);
    for (let i = live.length - 1; i >= 0; i--) {
      const l = live[i]!;
      if (l.expires > frame) continue;
      live.splice(i, 1);
      if (l.cleared) appClear(device, l.a); // e.g. a render target the app clears anyway
      heap.free(l.a, l.cleared ? { cleared: true } : undefined);
    }
    if (way === 'unified + idle clearing') {
      const calls = heap.stats().clearCalls;
      heap.clearIdle(p.idleMiB * MiB);
      r.clearCallsIdle += heap.stats().clearCalls - calls;
    }
    await device.queue.onSubmittedWorkDone();
  }
  await reader.flush();
  for (const l of live) heap.free(l.a);
  heap.check();
  const s = heap.stats();
  r.bytesClearedOnAlloc = s.bytesClearedOnAlloc + untrackedBytes;
  r.bytesClearedIdle = s.bytesClearedIdle;
  r.clearCallsOnAlloc = s.clearCalls - r.clearCallsIdle + untrackedCalls;
  r.bytesVerified = reader.bytesVerified;
  heap.destroy();
  reader.destroy();
  garbage.destroy();
  return r;
}

const METRICS: Record<string, MetricInfo> = {
  'cleared on alloc per byte': { unit: 'B/B', better: 'lower', description: 'bytes cleared on the allocation path per byte allocated clear' },
  'cleared in all per byte': { unit: 'B/B', description: 'bytes cleared on the allocation path and idle, per byte allocated clear' },
  'clear calls on alloc': { unit: '', better: 'lower', description: 'clearBuffer calls on the allocation path' },
  'clear calls idle': { unit: '', description: 'clearBuffer calls of clearIdle between frames' },
  'alloc p50 us': { unit: 'us', better: 'lower', description: 'wall time of a clear allocation, including the encode and submit of its clear' },
  'alloc p99 us': { unit: 'us', better: 'lower' },
  'large failures': { unit: '', better: 'lower', description: 'failed large contiguous requests' },
  'clear allocations': { unit: '' },
  'verified bytes': { unit: 'bytes', description: 'clear allocations read back (all must be zero)' },
};

export const webgpuClearScenario = defineScenario<ClearParams>({
  name: 'webgpu-clear',
  title: 'GpuHeap on real WebGPU: clearing only what is dirty, and clearing it while idle',
  claim: `on a VRAM manager's frames in headless Chromium's WebGPU, the unified design with idle clearing clears <= ${VS_UNTRACKED * 100}% of the bytes clearing every clear allocation clears on the allocation path, and no more than the legacy design; every clear allocation reads back zero`,
  designs: [...WAYS],
  metrics: METRICS,
  params: {
    full: { frames: 200, chunkMiB: 8, chunks: 2, spawn: 4, idleMiB: 4, largeEvery: 5, largeMiB: 6, seed: 7 },
    quick: { frames: 12, chunkMiB: 8, chunks: 2, spawn: 4, idleMiB: 4, largeEvery: 5, largeMiB: 6, seed: 7 },
  },
  describe: (p) =>
    `${p.frames} frames of 1..${2 * p.spawn - 1} new resources (40% textures 16 KiB..1.5 MiB contiguous, 60% buffers 256 B..64 KiB), ` +
    `lifetimes 1..40 frames, 10% freed cleared; a ${p.largeMiB} MiB contiguous request every ${p.largeEvery} frames; ` +
    `${p.chunks} x ${p.chunkMiB} MiB GPUBuffers; idle clearing ${p.idleMiB} MiB per frame; seed ${p.seed}`,
  async run(p, ctx) {
    const { CHROMIUM, hasWebGpuAdapter, openWebGpuPage, webGpuUnavailable } = await import('../browser.ts');
    const unavailable = await webGpuUnavailable();
    if (unavailable !== undefined) return skipped(unavailable);
    const session = await openWebGpuPage({ entry: import.meta.url });
    const results: Partial<Record<Way, WayResult>> = {};
    try {
      if (!(await hasWebGpuAdapter(session.page))) return skipped(`${CHROMIUM} offers no WebGPU adapter`);
      for (const [i, way] of WAYS.entries()) {
        ctx.progress(i, WAYS.length, way);
        results[way] = await session.page.evaluate(([w, params]) => (globalThis as unknown as { kallocPage: { runClearWay: typeof runClearWay } }).kallocPage.runClearWay(w, params), [way, p] as const);
      }
      ctx.progress(WAYS.length, WAYS.length);
    } finally {
      await session.close();
    }
    return outcome(results as Record<Way, WayResult>, session.problems);
  },
});

function skipped(reason: string): ScenarioOutcome {
  return { figures: {}, met: false, skipped: reason, verdict: reason };
}

function outcome(results: Record<Way, WayResult>, problems: string[]): ScenarioOutcome {
  const figures: Record<string, Record<string, number>> = {};
  for (const way of WAYS) {
    const r = results[way];
    const lat = Float64Array.from(r.latenciesMs).sort();
    figures[way] = {
      'cleared on alloc per byte': r.bytesClearedOnAlloc / r.bytesAllocatedClear,
      'cleared in all per byte': (r.bytesClearedOnAlloc + r.bytesClearedIdle) / r.bytesAllocatedClear,
      'clear calls on alloc': r.clearCallsOnAlloc,
      'clear calls idle': r.clearCallsIdle,
      'alloc p50 us': percentile(lat, 0.5) * 1000,
      'alloc p99 us': percentile(lat, 0.99) * 1000,
      'large failures': r.largeFailures,
      'clear allocations': r.clearAllocs,
      'verified bytes': r.bytesVerified,
    };
  }
  const idle = results['unified + idle clearing'];
  const untracked = results.untracked;
  const legacy = results.legacy;
  const vsUntracked = idle.bytesClearedOnAlloc / untracked.bytesClearedOnAlloc;
  const idlePerByte = figures['unified + idle clearing']!['cleared on alloc per byte']!;
  const legacyPerByte = figures.legacy!['cleared on alloc per byte']!;
  const nonzero = WAYS.flatMap((w) => results[w].nonzero);
  const allVerified = WAYS.every((w) => results[w].bytesVerified >= results[w].bytesAllocatedClear);
  const met = vsUntracked <= VS_UNTRACKED && idlePerByte <= legacyPerByte && nonzero.length === 0 && allVerified && problems.length === 0;
  return {
    figures,
    met,
    verdict:
      `idle clearing cleared ${formatBytes(idle.bytesClearedOnAlloc)} on the allocation path, ${formatRatio(vsUntracked)} of the untracked ${formatBytes(untracked.bytesClearedOnAlloc)} (threshold ${VS_UNTRACKED}x); ` +
      `${formatNumber(idlePerByte, 3)} vs legacy ${formatNumber(legacyPerByte, 3)} B per byte allocated clear; ` +
      `${nonzero.length === 0 && allVerified ? 'every clear allocation read back zero' : `${nonzero.length} nonzero readbacks`}` +
      (problems.length > 0 ? `; page problems: ${problems.slice(0, 3).join('; ')}` : ''),
    notes: [
      'Latency is wall time in the page (performance.now, coarsened by Chromium) around alloc plus the encode and submit of its clear; the untracked way allocates dirty and clears every block itself.',
      `Idle clearing moves the clearing off the allocation path: in all it cleared ${formatNumber(figures['unified + idle clearing']!['cleared in all per byte']!, 2)} B per byte allocated clear (memory cleared ahead of time may be freed again before a clear allocation uses it).`,
      `${legacy.largeFailures} of ${legacy.largeRequests} large contiguous requests failed under the legacy design, ${results.unified.largeFailures} under the unified design.`,
    ],
  };
}
