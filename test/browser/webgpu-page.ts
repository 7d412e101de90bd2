/**
 * The page side of webgpu.browser.ts: GpuHeap on Chromium's WebGPU (SwiftShader), bundled by
 * esbuild. Each test is a function on globalThis.kallocWebGpu that returns what it found; the
 * Node side asserts on it. Every clearBuffer call on the page is counted on the real
 * GPUCommandEncoder, so the heap's clear accounting is checked against what reached WebGPU.
 */
import { KallocError, Prng } from 'kalloc';
import { GpuHeap, type GpuAllocation, type GpuHeapOptions } from 'kalloc/webgpu';
import { ZeroReader, fill, requestDevice } from '../../packages/lab/src/scenarios/webgpu-clear.ts';
import type { ChunksAndIdleResult, ChurnResult, MisuseResult, WebGpuTests } from './webgpu-results.ts';

const traffic = { bytes: 0, calls: 0 };
const clearBuffer = GPUCommandEncoder.prototype.clearBuffer;
GPUCommandEncoder.prototype.clearBuffer = function (this: GPUCommandEncoder, buffer: GPUBuffer, offset?: number, size?: number) {
  traffic.bytes += size ?? buffer.size - (offset ?? 0);
  traffic.calls++;
  clearBuffer.call(this, buffer, offset, size);
};

async function gpuDevice(): Promise<GPUDevice> {
  const device = await requestDevice();
  device.addEventListener('uncapturederror', (e: Event) => console.error(`WebGPU: ${(e as GPUUncapturedErrorEvent).error.message}`));
  return device;
}

/**
 * Thousands of random allocations, clear or dirty, contiguous or not, some aligned; garbage
 * written into every dirty allocation and into some clear ones once verified; frees cleared
 * (zeroed first with writeBuffer) and dirty; clearIdle now and then. Every clear allocation is
 * read back and must be all zeros; no two live allocations overlap; check() after every step;
 * the clear traffic the heap reports equals what reached clearBuffer.
 */
async function churn(design: 'unified' | 'legacy', seed: number, steps: number): Promise<ChurnResult> {
  const device = await gpuDevice();
  const heap = new GpuHeap(device, { design, chunkSize: 4 << 20, maxSize: 12 << 20 });
  const rng = new Prng(seed);
  const reader = new ZeroReader(device);
  const garbage = new Uint8Array(1 << 20).map(() => 1 + rng.below(255));
  const zeros = new Uint8Array(1 << 20);
  const live: GpuAllocation[] = [];
  const failures = reader.failures;
  const r: Omit<ChurnResult, 'stats' | 'traffic' | 'bytesVerified' | 'failures'> = { design, steps, allocs: 0, clearAllocs: 0, contiguousAllocs: 0, failedAllocs: 0, frees: 0, clearedFrees: 0, idleCalls: 0, maxChunks: 0 };
  const base = { ...traffic };
  const expectTraffic = (when: string): void => {
    const s = heap.stats();
    const bytes = traffic.bytes - base.bytes;
    const calls = traffic.calls - base.calls;
    if (bytes !== s.bytesClearedOnAlloc + s.bytesClearedIdle || calls !== s.clearCalls) {
      failures.push(`${when}: clearBuffer saw ${bytes} bytes in ${calls} calls, stats say ${s.bytesClearedOnAlloc} + ${s.bytesClearedIdle} bytes in ${s.clearCalls} calls`);
    }
  };

  for (let step = 0; step < steps && failures.length === 0; step++) {
    const roll = rng.float();
    if (roll < 0.03) {
      r.idleCalls++;
      const before = heap.stats().bytesClearedIdle;
      const budget = rng.chance(0.2) ? undefined : rng.below(3 << 20);
      const cleared = heap.clearIdle(budget);
      if (heap.stats().bytesClearedIdle - before !== cleared) failures.push(`step ${step}: clearIdle returned ${cleared}`);
      if (budget !== undefined && cleared > budget) failures.push(`step ${step}: clearIdle(${budget}) cleared ${cleared}`);
    } else if (live.length > 0 && (roll < 0.45 || live.length > 80)) {
      const a = live.splice(rng.below(live.length), 1)[0]!;
      const cleared = rng.chance(0.3);
      if (cleared) fill(device, a, zeros);
      heap.free(a, cleared ? { cleared: true } : undefined);
      r.frees++;
      if (cleared) r.clearedFrees++;
    } else {
      const kind = rng.float();
      const size = kind < 0.7 ? rng.range(1, 16 << 10) : kind < 0.95 ? rng.range(16 << 10, 256 << 10) : rng.range(256 << 10, 2 << 20);
      const clear = rng.chance(0.5);
      const contiguous = rng.chance(0.5);
      const align = rng.chance(0.2) ? 2 ** rng.range(8, 16) : undefined;
      const before = heap.stats();
      const a = heap.alloc(size, { clear, contiguous, ...(align === undefined ? {} : { align }) });
      const label = `step ${step} ${design} alloc(${size}, clear ${clear}, contiguous ${contiguous}, align ${align})`;
      if (a === undefined) {
        r.failedAllocs++;
        // The legacy design force-merges before it gives up, dropping clear bits: clearAvail may fall.
        const after = heap.stats();
        if (design === 'legacy') after.clearAvail = before.clearAvail;
        if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${label}: failed but changed the heap`);
      } else {
        r.allocs++;
        checkShape(a, size, contiguous, align ?? 256, label, failures);
        for (const other of live) if (overlaps(a, other)) failures.push(`${label}: overlaps the allocation at ${other.offset}`);
        live.push(a);
        if (clear) {
          r.clearAllocs++;
          // The bytes cleared for this allocation: exactly its blocks that were not clear.
          const dirty = a.blocks.reduce((s, b) => s + (b.clear ? 0 : b.size), 0);
          const spent = heap.stats().bytesClearedOnAlloc - before.bytesClearedOnAlloc;
          if (spent !== dirty) failures.push(`${label}: cleared ${spent} bytes on alloc, its dirty blocks hold ${dirty}`);
          await reader.expectZero(a, label);
          if (rng.chance(0.5)) fill(device, a, garbage); // the caller uses it
        } else {
          fill(device, a, garbage);
        }
        if (contiguous) r.contiguousAllocs++;
      }
    }
    heap.check();
    r.maxChunks = Math.max(r.maxChunks, heap.stats().chunks);
    if (step % 200 === 0) expectTraffic(`step ${step}`);
  }
  await reader.flush();
  expectTraffic('end');
  for (const a of live.splice(0)) heap.free(a);
  heap.clearIdle();
  heap.check();
  const stats = heap.stats();
  if (stats.used !== 0 || stats.clearAvail !== stats.size) failures.push(`after freeing all and clearIdle(): ${JSON.stringify(stats)}`);
  expectTraffic('after clearIdle()');
  heap.destroy();
  return { ...r, bytesVerified: reader.bytesVerified, failures, stats, traffic: { bytes: traffic.bytes - base.bytes, calls: traffic.calls - base.calls } };
}

function checkShape(a: GpuAllocation, size: number, contiguous: boolean, align: number, label: string, failures: string[]): void {
  const total = a.blocks.reduce((s, b) => s + b.size, 0);
  if (total < size || total % 256 !== 0) failures.push(`${label}: blocks hold ${total} bytes`);
  if (a.size !== size) failures.push(`${label}: size ${a.size}`);
  if (a.buffer !== a.blocks[0]!.buffer || a.offset !== a.blocks[0]!.offset) failures.push(`${label}: buffer/offset are not the first block's`);
  for (const b of a.blocks) if (b.offset % 256 !== 0 || b.size % 256 !== 0) failures.push(`${label}: block [${b.offset}, +${b.size}) breaks the 256-byte rule`);
  if (contiguous) {
    let end = a.offset;
    for (const b of a.blocks) {
      if (b.buffer !== a.buffer || b.offset !== end) failures.push(`${label}: contiguous blocks are not adjacent in one buffer`);
      end = b.offset + b.size;
    }
    if (a.offset % align !== 0) failures.push(`${label}: offset ${a.offset} not aligned to ${align}`);
  } else {
    for (const b of a.blocks) if (b.offset % align !== 0) failures.push(`${label}: block ${b.offset} not aligned to ${align}`);
  }
}

function overlaps(a: GpuAllocation, b: GpuAllocation): boolean {
  return a.blocks.some((x) => b.blocks.some((y) => x.buffer === y.buffer && x.offset < y.offset + y.size && y.offset < x.offset + x.size));
}

/** Every misuse throws the documented code and leaves the heap as it was. */
async function misuse(): Promise<MisuseResult> {
  const device = await gpuDevice();
  const failures: string[] = [];
  let cases = 0;
  const expectCode = (code: string, what: string, fn: () => unknown, heap?: GpuHeap): void => {
    cases++;
    const before = heap ? JSON.stringify(heap.stats()) : '';
    try {
      fn();
      failures.push(`${what}: did not throw`);
    } catch (e) {
      if (!(e instanceof KallocError) || e.code !== code) failures.push(`${what}: threw ${String(e)}, expected ${code}`);
    }
    if (heap && JSON.stringify(heap.stats()) !== before) failures.push(`${what}: changed the heap`);
    heap?.check();
  };
  const make = (o: GpuHeapOptions) => () => new GpuHeap(device, o);
  expectCode('EINVAL', 'device null', () => new GpuHeap(null as unknown as GPUDevice));
  expectCode('EINVAL', 'unknown option', make({ chunkSize: 1 << 20, colour: 1 } as GpuHeapOptions));
  expectCode('EINVAL', 'minBlockSize 128', make({ minBlockSize: 128 }));
  expectCode('EINVAL', 'minBlockSize 384', make({ minBlockSize: 384 }));
  expectCode('EINVAL', 'chunkSize beyond maxBufferSize', make({ chunkSize: device.limits.maxBufferSize * 2 }));
  expectCode('EINVAL', 'chunkSize not a multiple of minBlockSize', make({ chunkSize: 1000 }));
  expectCode('EINVAL', 'chunkSize 0', make({ chunkSize: 0 }));
  expectCode('EINVAL', 'maxSize not a multiple', make({ chunkSize: 1 << 20, maxSize: (1 << 20) + 1 }));
  expectCode('EINVAL', 'usage MAP_WRITE', make({ chunkSize: 1 << 20, usage: GPUBufferUsage.MAP_WRITE }));
  expectCode('EINVAL', 'usage -1', make({ chunkSize: 1 << 20, usage: -1 }));
  expectCode('EINVAL', "design 'new'", make({ chunkSize: 1 << 20, design: 'new' as 'unified' }));

  const heap = new GpuHeap(device, { chunkSize: 1 << 20, maxSize: 2 << 20 });
  const other = new GpuHeap(device, { chunkSize: 1 << 20 });
  const a = heap.alloc(1000, { clear: true })!;
  const b = other.alloc(1000)!;
  for (const size of [0, -1, 1.5, NaN, '8', 2 ** 53 + 2]) expectCode('EINVAL', `alloc(${String(size)})`, () => heap.alloc(size as number), heap);
  expectCode('EINVAL', 'alloc beyond maxSize', () => heap.alloc((2 << 20) + 1), heap);
  expectCode('EINVAL', 'contiguous beyond chunkSize', () => heap.alloc((1 << 20) + 1, { contiguous: true }), heap);
  expectCode('EINVAL', 'alloc unknown option', () => heap.alloc(8, { zero: true } as never), heap);
  expectCode('EINVAL', 'alloc clear 1', () => heap.alloc(8, { clear: 1 as unknown as boolean }), heap);
  expectCode('EINVAL', 'alloc align 3', () => heap.alloc(8, { align: 3 }), heap);
  expectCode('EINVAL', 'alloc align beyond chunkSize', () => heap.alloc(8, { align: 2 << 20 }), heap);
  expectCode('EINVAL', 'alloc options null', () => heap.alloc(8, null as never), heap);
  expectCode('EFAULT', "free of another heap's allocation", () => heap.free(b), heap);
  expectCode('EINVAL', 'free(null)', () => heap.free(null as never), heap);
  expectCode('EFAULT', 'free of a look-alike', () => heap.free({ ...a }), heap);
  expectCode('EINVAL', 'free cleared "yes"', () => heap.free(a, { cleared: 'yes' as unknown as boolean }), heap);
  expectCode('EINVAL', 'free unknown option', () => heap.free(a, { clear: true } as never), heap);
  expectCode('EINVAL', 'clearIdle(-1)', () => heap.clearIdle(-1), heap);
  expectCode('EINVAL', 'clearWhenIdle("x")', () => heap.clearWhenIdle('x' as never), heap);
  heap.free(a); // still live after the throws above
  expectCode('EFAULT', 'double free', () => heap.free(a), heap);

  // Out of space is an answer: undefined, nothing changes (no chunk left behind).
  cases++;
  const whole = heap.alloc(2 << 20)!;
  const before = JSON.stringify(heap.stats());
  if (heap.alloc(256) !== undefined || heap.alloc(256, { contiguous: true }) !== undefined) failures.push('a full heap allocated');
  if (JSON.stringify(heap.stats()) !== before) failures.push('a failed alloc changed the heap');
  heap.free(whole);
  heap.destroy();
  heap.destroy();
  expectCode('EINVAL', 'alloc after destroy', () => heap.alloc(8));
  expectCode('EFAULT', 'free after destroy', () => heap.free(whole));
  other.destroy();
  return { cases, failures };
}

/** Allocations that span chunks, the growth limit, and the idle clearer driven by the queue. */
async function chunksAndIdle(): Promise<ChunksAndIdleResult> {
  const device = await gpuDevice();
  const failures: string[] = [];
  const reader = new ZeroReader(device);
  const heap = new GpuHeap(device, { chunkSize: 1 << 20, maxSize: 3 << 20, minBlockSize: 4096 });
  const small = heap.alloc(256 << 10)!;
  fill(device, small, new Uint8Array(4096).fill(7));
  const big = heap.alloc((2 << 20) + (512 << 10), { clear: true })!;
  if (big === undefined) throw new Error('a spread allocation failed');
  await reader.expectZero(big, 'spread');
  await reader.flush();
  failures.push(...reader.failures);
  const spread = { buffers: new Set(big.blocks.map((b) => b.buffer)).size, blocks: big.blocks.length };
  heap.check();
  if (heap.stats().chunks !== 3) failures.push(`expected 3 chunks, got ${heap.stats().chunks}`);
  if (big.blocks.some((b) => b.offset % 4096 !== 0)) failures.push('minBlockSize 4096 not kept');

  // The idle clearer: off by default, then on; it clears the dirty memory once the queue is done.
  heap.free(big);
  heap.free(small);
  await device.queue.onSubmittedWorkDone();
  if (heap.stats().bytesClearedIdle !== 0) failures.push('the idle clearer ran while off');
  heap.clearWhenIdle(64 << 10);
  for (let i = 0; i < 200 && heap.stats().clearAvail < heap.stats().size; i++) await device.queue.onSubmittedWorkDone();
  const s = heap.stats();
  heap.check();
  heap.clearWhenIdle(0);
  const again = heap.alloc(128 << 10)!;
  heap.free(again);
  await device.queue.onSubmittedWorkDone();
  await device.queue.onSubmittedWorkDone();
  const stoppedAt = heap.stats().bytesClearedIdle - s.bytesClearedIdle;
  heap.destroy();
  return { failures, spread, idle: { cleared: s.bytesClearedIdle, clearAvail: s.clearAvail, size: s.size, stoppedAt } };
}

const tests: WebGpuTests = { churn, misuse, chunksAndIdle };
Object.assign(globalThis, { kallocWebGpu: tests });
