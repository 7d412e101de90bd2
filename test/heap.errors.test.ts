import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedHeap } from '../packages/kalloc/src/heap/shared-heap.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { C_LOCK_ACQUIRED, C_LOCK_WAITED, MAGIC } from '../packages/kalloc/src/heap/layout.ts';

/**
 * Every bad input gets a typed KallocError, and nothing changes: both SharedArrayBuffers are
 * byte-for-byte the same afterwards (except the lock's acquisition counters: a rejected large
 * free takes the lock to look).
 */
function snapshot(heap: SharedHeap): Uint8Array[] {
  const meta = new Uint8Array(heap.buffers.meta.slice(0));
  new Int32Array(meta.buffer)[C_LOCK_ACQUIRED] = 0;
  new Int32Array(meta.buffer)[C_LOCK_WAITED] = 0;
  return [meta, new Uint8Array(heap.buffers.data.slice(0))];
}

function rejects(heap: SharedHeap, code: string, fn: () => unknown, what: string): void {
  const before = snapshot(heap);
  assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === code, `${what}: expected ${code}`);
  const after = snapshot(heap);
  assert.ok(Buffer.compare(before[0]!, after[0]!) === 0, `${what}: metadata changed`);
  assert.ok(Buffer.compare(before[1]!, after[1]!) === 0, `${what}: data changed`);
  heap.check();
}

/** A heap with some live objects (small, large, one pending remote free) to misuse. */
function setup(): { a: SharedHeap; b: SharedHeap; small: number; large: number; pending: number; freed: number } {
  const a = SharedHeap.create({ size: 1 << 20, maxWorkers: 4 });
  const b = SharedHeap.attach(a.buffers, { worker: 1 });
  const small = a.alloc(100)!;
  const large = a.alloc(10000)!;
  const pending = a.alloc(100)!;
  const freed = a.alloc(100)!;
  a.free(freed);
  b.free(pending); // waits on a's remote-free list
  a.bytes(small).fill(7);
  return { a, b, small, large, pending, freed };
}

test('heap errors: create rejects bad options (EINVAL)', () => {
  const bad: [unknown, string][] = [
    [undefined, 'no options'],
    [null, 'null'],
    [{ size: 0 }, 'size 0'],
    [{ size: -4096 }, 'negative size'],
    [{ size: 4096.5 }, 'fractional size'],
    [{ size: '65536' }, 'string size'],
    [{ size: 5000 }, 'size not a page multiple'],
    [{ size: 2 ** 32 }, 'size over 2^31'],
    [{ size: 65536, pageSize: 3000 }, 'pageSize not a power of two'],
    [{ size: 65536, pageSize: 128 }, 'pageSize too small'],
    [{ size: 1 << 20, pageSize: 131072 }, 'pageSize too large'],
    [{ size: 65536, maxWorkers: 0 }, 'maxWorkers 0'],
    [{ size: 65536, maxWorkers: 1.5 }, 'maxWorkers fractional'],
    [{ size: 65536, maxWorkers: 5000 }, 'maxWorkers too many'],
    [{ size: 65536, blockPages: 3 }, 'blockPages not a power of two'],
    [{ size: 65536, blockPages: 2048 }, 'blockPages too large'],
    [{ size: 65536, mode: 'fast' }, 'unknown mode'],
  ];
  for (const [options, what] of bad) {
    assert.throws(
      () => SharedHeap.create(options as never),
      (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && /options|size|pageSize|maxWorkers|blockPages|mode/.test(e.message),
      what,
    );
  }
});

test('heap errors: attach rejects foreign buffers and bad or busy worker ids', () => {
  const { a, b } = setup();
  const meta = a.buffers.meta;
  for (const [buffers, what] of [
    [null, 'null'],
    [{}, 'empty object'],
    [{ meta: new ArrayBuffer(4096), data: a.buffers.data }, 'non-shared meta'],
    [{ meta: new SharedArrayBuffer(4096), data: a.buffers.data }, 'no magic'],
    [{ meta, data: new SharedArrayBuffer(4096) }, 'data of the wrong size'],
    [{ meta: meta.slice(0, 2048), data: a.buffers.data }, 'truncated meta'],
  ] as [unknown, string][]) {
    rejects(a, 'EINVAL', () => SharedHeap.attach(buffers as never, { worker: 2 }), what);
  }
  for (const worker of [-1, 4, 1.5, '2', undefined]) {
    rejects(a, 'EINVAL', () => SharedHeap.attach(a.buffers, { worker } as never), `worker ${String(worker)}`);
  }
  rejects(a, 'EBUSY', () => SharedHeap.attach(a.buffers, { worker: 0 }), 'worker 0 in use');
  rejects(a, 'EBUSY', () => SharedHeap.attach(a.buffers, { worker: 1 }), 'worker 1 in use');
  // A wrong version is refused too.
  const copy = new SharedArrayBuffer(meta.byteLength);
  new Uint8Array(copy).set(new Uint8Array(meta));
  new Int32Array(copy)[1] = 99;
  assert.equal(new Int32Array(copy)[0], MAGIC);
  assert.throws(() => SharedHeap.attach({ meta: copy, data: a.buffers.data }, { worker: 2 }), (e: KallocError) => e.code === 'EINVAL');
  void b;
});

test('heap errors: alloc rejects bad sizes and alignments (EINVAL)', () => {
  const { a } = setup();
  for (const size of [0, -1, 1.5, NaN, Infinity, '16', undefined, (1 << 20) + 1]) {
    rejects(a, 'EINVAL', () => a.alloc(size as never), `size ${String(size)}`);
  }
  for (const align of [0, 3, -16, 1.5, 48, 1 << 21, '64']) {
    rejects(a, 'EINVAL', () => a.alloc(16, { align } as never), `align ${String(align)}`);
  }
  rejects(a, 'EINVAL', () => a.alloc(16, null as never), 'options null');
});

test('heap errors: free of foreign, unallocated, inner or freed offsets (EFAULT)', () => {
  const { a, b, small, large, pending, freed } = setup();
  const other = SharedHeap.create({ size: 1 << 20 });
  other.alloc(32768);
  const foreign = other.alloc(32768)!; // allocated in the other heap, never handed out here
  assert.equal(a.sizeOf(foreign), undefined);
  for (const heap of [a, b]) {
    const who = `worker ${heap.worker}`;
    rejects(a, 'EFAULT', () => heap.free(freed), `${who}: double free`);
    rejects(a, 'EFAULT', () => heap.free(pending), `${who}: free of a remotely freed object`);
    rejects(a, 'EFAULT', () => heap.free(small + 16), `${who}: inside a small object`);
    rejects(a, 'EFAULT', () => heap.free(large + 4096), `${who}: inside a large block`);
    rejects(a, 'EFAULT', () => heap.free(large + 16), `${who}: unaligned in a large block`);
    rejects(a, 'EFAULT', () => heap.free(foreign), `${who}: foreign offset`);
    rejects(a, 'EFAULT', () => heap.free(-16), `${who}: negative`);
    rejects(a, 'EFAULT', () => heap.free(1 << 20), `${who}: past the end`);
    rejects(a, 'EINVAL', () => heap.free(1.5), `${who}: fractional`);
    rejects(a, 'EINVAL', () => heap.free('0' as never), `${who}: string`);
  }
  a.free(large);
  rejects(a, 'EFAULT', () => a.free(large), 'double free of a large block');
  rejects(a, 'EFAULT', () => b.free(large), 'double free of a large block by another worker');
  assert.equal(a.sizeOf(large), undefined);
});

test('heap errors: bytes, reclaim and calls on a detached instance', () => {
  const { a, b, small, freed } = setup();
  rejects(a, 'EFAULT', () => a.bytes(freed), 'bytes of a freed object');
  rejects(a, 'EINVAL', () => a.bytes(small, 113), 'bytes longer than the usable size');
  rejects(a, 'EINVAL', () => a.bytes(small, -1), 'negative length');
  rejects(a, 'EINVAL', () => a.reclaim(0), 'reclaim self');
  rejects(a, 'EINVAL', () => a.reclaim(2), 'reclaim a detached id');
  rejects(a, 'EINVAL', () => a.reclaim(9), 'reclaim out of range');
  b.detach();
  rejects(a, 'EINVAL', () => b.alloc(16), 'alloc on a detached instance');
  rejects(a, 'EINVAL', () => b.free(small), 'free on a detached instance');
  rejects(a, 'EINVAL', () => b.detach(), 'detach twice');
  assert.equal(a.bytes(small).length, 112);
  assert.ok(a.bytes(small).every((x) => x === 7));
});
