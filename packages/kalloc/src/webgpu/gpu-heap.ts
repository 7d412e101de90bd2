/// <reference types="@webgpu/types" preserve="true" />
import { alignUp, roundDownPow2, roundUpPow2 } from '../core/bits.ts';
import { KallocError, fault, invalid, invariant } from '../core/errors.ts';
import { requireBoolean, requireExtent, requireOptions, requirePowerOfTwo } from '../core/validate.ts';
import type { BuddyAllocOptions, BuddyBlock } from '../buddy/api.ts';
import { BUDDY_DESIGNS, type AnyBuddyAllocator, type BuddyDesign } from '../buddy/designs.ts';
import { dirtyRuns, planIdleClear, type Run } from './dirty-runs.ts';

/** GPUBufferUsage bits (numbers, so that this module loads where the WebGPU globals do not exist). */
const MAP_WRITE = 0x2;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;
/** The WebGPU storage/uniform offset alignment: the smallest block a heap hands out. */
const MIN_BLOCK = 256;
/** The buddy allocators' smallest chunk; smaller GPU granules are scaled up to it (see Chunk). */
const BUDDY_MIN_CHUNK = 4096;
const DEFAULT_CHUNK = 256 * 1024 * 1024;

export interface GpuHeapOptions {
  /** GPUBufferUsage flags of the backing buffers; COPY_DST is always added (default STORAGE | COPY_SRC). */
  usage?: number;
  /** Bytes per backing GPUBuffer: a multiple of minBlockSize, at most device.limits.maxBufferSize
   *  (default: the smaller of that limit and 256 MiB). */
  chunkSize?: number;
  /** Total bytes across chunks, a multiple of minBlockSize; chunks are created on demand
   *  (default: chunkSize, one buffer). */
  maxSize?: number;
  /** The smallest block: a power of two >= 256 (default 256); every offset is aligned to it. */
  minBlockSize?: number;
  /** A buddy design of BUDDY_DESIGNS: 'unified' (BuddyAllocator with the clear tracker, default)
   *  or 'legacy' (LegacyBuddyAllocator). */
  design?: 'unified' | 'legacy';
}

export interface GpuAllocOptions {
  /** Every byte reads 0 to GPU commands submitted after alloc returns. */
  clear?: boolean;
  /** One range in one buffer (default: blocks that may lie apart, even in several buffers). */
  contiguous?: boolean;
  /** A power of two: the offset is a multiple of it; without `contiguous`, every block is at
   *  least `align` bytes and aligned to it (the size rounds up to a multiple of align). */
  align?: number;
}

export interface GpuFreeOptions {
  /** The caller zeroed all of the allocation on the GPU (submitted before this free). */
  cleared?: boolean;
}

/** One block of an allocation: [offset, offset + size) of `buffer`. */
export interface GpuBlock extends BuddyBlock {
  readonly buffer: GPUBuffer;
  /** size = minBlockSize * 2^order (trimmed blocks excepted: they keep their order's bytes). */
  readonly order: number;
  /** For a clear allocation: the block was already clear, so the heap did not clear it. */
  readonly clear: boolean;
}

export interface GpuAllocation {
  /** The buffer and offset of the first block (of the whole range when contiguous). */
  readonly buffer: GPUBuffer;
  readonly offset: number;
  /** The size asked for; the blocks cover it, rounded up to minBlockSize. */
  readonly size: number;
  readonly blocks: readonly GpuBlock[];
}

export interface GpuHeapStats {
  chunks: number;
  /** Bytes of all backing buffers. */
  size: number;
  /** Bytes in live allocations (rounded up to minBlockSize). */
  used: number;
  /** Free bytes known to be clear. */
  clearAvail: number;
  /** Bytes passed to clearBuffer by alloc (clear allocations of memory not known clear). */
  bytesClearedOnAlloc: number;
  /** Bytes passed to clearBuffer by clearIdle. */
  bytesClearedIdle: number;
  /** clearBuffer calls (both paths). */
  clearCalls: number;
  /** Live allocations. */
  allocations: number;
}

type Buddy = AnyBuddyAllocator;

/**
 * One backing GPUBuffer and its allocator. The buddy allocators' smallest block is 4096 units,
 * so a chunk with a smaller granule (256 bytes) counts in units of granule/4096 bytes: unit
 * offsets are byte offsets times `scale`, a power of two, which keeps every alignment.
 */
interface Chunk {
  readonly index: number;
  readonly buffer: GPUBuffer;
  readonly bytes: number;
  readonly buddy: Buddy;
}

/** The blocks an allocation holds in one chunk, as the chunk's allocator handed them out. */
interface Part {
  readonly chunk: Chunk;
  readonly handles: BuddyBlock[];
}

const HEAP_KEYS = ['usage', 'chunkSize', 'maxSize', 'minBlockSize', 'design'] as const;
const ALLOC_KEYS = ['clear', 'contiguous', 'align'] as const;
const FREE_KEYS = ['cleared'] as const;
const EMPTY: GpuAllocOptions & GpuFreeOptions = Object.freeze({});

/**
 * Sub-allocates GPUBuffers with clear tracking: the job the kernel's gpu_buddy clear tracker was
 * built for. A clear allocation costs a clearBuffer only for the blocks not known to be clear;
 * the clear is submitted before alloc returns, so the queue orders it before anything the caller
 * submits next. Fresh buffers are zero (WebGPU initialises them), so they start clear.
 */
export class GpuHeap {
  readonly device: GPUDevice;
  readonly usage: number;
  readonly chunkSize: number;
  readonly maxSize: number;
  readonly minBlockSize: number;
  /** The id of the buddy design each chunk runs. */
  readonly design: string;

  private readonly buddyDesign: BuddyDesign;
  private readonly scale: number;
  private readonly chunks: Chunk[] = [];
  private readonly live = new Map<GpuAllocation, Part[]>();
  private bytesClearedOnAlloc = 0;
  private bytesClearedIdle = 0;
  private clearCalls = 0;
  private destroyed = false;
  /** Idle clearing: the budget per idle moment (0: off) and whether a wait is pending. */
  private idleBudget = 0;
  private idleWaiting = false;

  constructor(device: GPUDevice, options?: GpuHeapOptions) {
    if (device === null || typeof device !== 'object' || typeof device.createBuffer !== 'function') {
      throw invalid('device', device, 'must be a GPUDevice');
    }
    const o = requireOptions('options', options, HEAP_KEYS);
    const min = o.minBlockSize === undefined ? MIN_BLOCK : requirePowerOfTwo('options.minBlockSize', o.minBlockSize, MIN_BLOCK);
    const limit = device.limits.maxBufferSize;
    const chunkSize = o.chunkSize === undefined ? Math.min(limit, DEFAULT_CHUNK) - (Math.min(limit, DEFAULT_CHUNK) % min) : requireExtent('options.chunkSize', o.chunkSize, true);
    if (chunkSize % min !== 0 || chunkSize === 0) throw invalid('options.chunkSize', o.chunkSize ?? chunkSize, `must be a positive multiple of minBlockSize (${min})`);
    if (chunkSize > limit) throw invalid('options.chunkSize', chunkSize, `must be at most device.limits.maxBufferSize (${limit})`);
    const maxSize = o.maxSize === undefined ? chunkSize : requireExtent('options.maxSize', o.maxSize, true);
    if (maxSize % min !== 0) throw invalid('options.maxSize', maxSize, `must be a multiple of minBlockSize (${min})`);
    const usage = o.usage === undefined ? STORAGE | COPY_SRC : requireExtent('options.usage', o.usage);
    if (usage > 0xffffffff) throw invalid('options.usage', usage, 'must be GPUBufferUsage flags (32 bits)');
    if ((usage & MAP_WRITE) !== 0) throw invalid('options.usage', usage, 'must not include MAP_WRITE (WebGPU forbids it with COPY_DST, which clearing needs)');
    const design = BUDDY_DESIGNS.find((d) => d.id === (o.design ?? 'unified'));
    if (design === undefined) throw invalid('options.design', o.design, `must be one of ${BUDDY_DESIGNS.map((d) => `'${d.id}'`).join(', ')}`);
    this.device = device;
    this.usage = (usage | COPY_DST) >>> 0;
    this.chunkSize = chunkSize;
    this.maxSize = maxSize;
    this.minBlockSize = min;
    this.design = design.id;
    this.buddyDesign = design;
    this.scale = Math.max(1, BUDDY_MIN_CHUNK / min);
  }

  /**
   * `size` bytes, or undefined when no chunk (and no new chunk within maxSize) can hold them.
   * With `clear`, the blocks not known to be clear are cleared and the clear is submitted before
   * this returns.
   */
  alloc(size: number, options?: GpuAllocOptions): GpuAllocation | undefined {
    this.requireAlive();
    const o = options === undefined ? EMPTY : requireOptions('options', options, ALLOC_KEYS);
    requireExtent('size', size, true);
    const clear = o.clear === undefined ? false : requireBoolean('options.clear', o.clear);
    const contiguous = o.contiguous === undefined ? false : requireBoolean('options.contiguous', o.contiguous);
    const align = o.align === undefined ? 1 : requirePowerOfTwo('options.align', o.align);
    if (align > this.chunkSize) throw invalid('options.align', align, `must be at most chunkSize (${this.chunkSize})`);
    // Without `contiguous`, every block is at least `align` and aligned to it: the size rounds up to a multiple of it.
    const bytes = alignUp(size, contiguous ? this.minBlockSize : Math.max(align, this.minBlockSize));
    if (contiguous && bytes > this.chunkSize) {
      throw invalid('size', size, `a contiguous allocation lies in one buffer: must be at most chunkSize (${this.chunkSize})`);
    }
    if (bytes > this.maxSize) throw invalid('size', size, `must be at most maxSize (${this.maxSize})`);

    const parts = contiguous ? this.allocContiguous(bytes, align, clear) : this.allocBlocks(bytes, align, clear);
    if (parts === undefined) return undefined;
    const blocks: GpuBlock[] = [];
    for (const part of parts) {
      for (const h of part.handles) blocks.push(this.gpuBlock(part.chunk, h));
    }
    if (clear) this.clearOnAlloc(blocks);
    const first = blocks[0]!;
    const allocation: GpuAllocation = Object.freeze({ buffer: first.buffer, offset: first.offset, size, blocks: Object.freeze(blocks) });
    this.live.set(allocation, parts);
    return allocation;
  }

  /** Gives an allocation back; `cleared`: the caller zeroed all of it on the GPU. */
  free(allocation: GpuAllocation, options?: GpuFreeOptions): void {
    const o = options === undefined ? EMPTY : requireOptions('options', options, FREE_KEYS);
    const cleared = o.cleared === undefined ? false : requireBoolean('options.cleared', o.cleared);
    if (allocation === null || typeof allocation !== 'object') throw invalid('allocation', allocation, 'must be an allocation returned by alloc()');
    const parts = this.live.get(allocation);
    if (parts === undefined) throw fault(`allocation at offset ${allocation.offset}: not a live allocation of this heap (freed already, or of another heap)`);
    this.live.delete(allocation);
    for (const part of parts) part.chunk.buddy.free(part.handles, cleared ? { cleared } : undefined);
    if (!cleared) this.armIdle();
  }

  /**
   * Clears dirty free memory ahead of time, largest dirty runs first, at most `budgetBytes`
   * (default: all of it), and tracks it as clear so that later clear allocations cost nothing.
   * Submits one command buffer; returns the bytes cleared.
   */
  clearIdle(budgetBytes?: number): number {
    this.requireAlive();
    const budget = budgetBytes === undefined ? undefined : requireExtent('budgetBytes', budgetBytes);
    const runs: Run[] = [];
    let dirty = 0;
    for (const chunk of this.chunks) {
      for (const run of dirtyRuns(chunk.buddy, chunk.index)) {
        runs.push(run);
        dirty += run.end - run.start;
      }
    }
    const plan = planIdleClear(runs, budget === undefined ? dirty : Math.min(dirty, budget * this.scale), this.minBlockSize * this.scale);
    if (plan.length === 0) return 0;
    const encoder = this.device.createCommandEncoder({ label: 'kalloc GpuHeap clearIdle' });
    const claimed: { chunk: Chunk; handles: BuddyBlock[] }[] = [];
    let cleared = 0;
    for (const run of plan) {
      const chunk = this.chunks[run.source]!;
      // The run is free: an exact-range allocation claims it (and keeps it from anyone else).
      const handles = chunk.buddy.alloc(run.end - run.start, { start: run.start, end: run.end });
      invariant(handles !== undefined, `clearIdle: dirty run [${run.start}, ${run.end}) of chunk ${run.source} was not free`);
      const bytes = (run.end - run.start) / this.scale;
      encoder.clearBuffer(chunk.buffer, run.start / this.scale, bytes);
      claimed.push({ chunk, handles });
      cleared += bytes;
    }
    this.device.queue.submit([encoder.finish()]);
    // Queue order puts the clears before any later submission: the memory may count as clear now.
    for (const c of claimed) c.chunk.buddy.free(c.handles, { cleared: true });
    this.clearCalls += plan.length;
    this.bytesClearedIdle += cleared;
    return cleared;
  }

  /**
   * Runs clearIdle(budgetBytes) each time the queue has finished the work submitted so far
   * (device.queue.onSubmittedWorkDone), while dirty free memory remains; 0 stops it. Off by
   * default.
   */
  clearWhenIdle(budgetBytes: number): void {
    this.requireAlive();
    this.idleBudget = requireExtent('budgetBytes', budgetBytes);
    this.armIdle();
  }

  stats(): GpuHeapStats {
    let size = 0;
    let avail = 0;
    let clearAvail = 0;
    for (const c of this.chunks) {
      size += c.bytes;
      avail += c.buddy.avail / this.scale;
      clearAvail += c.buddy.clearAvail / this.scale;
    }
    return {
      chunks: this.chunks.length,
      size,
      used: size - avail,
      clearAvail,
      bytesClearedOnAlloc: this.bytesClearedOnAlloc,
      bytesClearedIdle: this.bytesClearedIdle,
      clearCalls: this.clearCalls,
      allocations: this.live.size,
    };
  }

  /** Verifies every chunk's allocator, and that the live allocations hold exactly the used memory. */
  check(): void {
    let size = 0;
    for (const c of this.chunks) {
      c.buddy.check();
      invariant(c.buddy.size === c.bytes * this.scale, `chunk ${c.index}: allocator of ${c.buddy.size} units for ${c.bytes} bytes`);
      size += c.bytes;
    }
    invariant(size <= this.maxSize, `chunks hold ${size} bytes, more than maxSize ${this.maxSize}`);
    const held = new Float64Array(this.chunks.length);
    for (const [a, parts] of this.live) {
      let bytes = 0;
      for (const part of parts) {
        for (const h of part.handles) {
          held[part.chunk.index]! += h.size / this.scale;
          bytes += h.size / this.scale;
        }
      }
      invariant(bytes >= a.size && bytes === a.blocks.reduce((s, b) => s + b.size, 0), `allocation at ${a.offset}: blocks hold ${bytes} bytes for ${a.size}`);
    }
    for (const c of this.chunks) {
      const used = (c.buddy.size - c.buddy.avail) / this.scale;
      invariant(held[c.index] === used, `chunk ${c.index}: ${used} bytes allocated, live allocations hold ${held[c.index]}`);
    }
  }

  /** Destroys the backing buffers; the heap cannot be used afterwards. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.idleBudget = 0;
    this.live.clear();
    for (const c of this.chunks) c.buffer.destroy();
    this.chunks.length = 0;
  }

  // ---- allocation ---------------------------------------------------------------------------

  /** One range in one chunk: the first chunk that has room, else a new one. */
  private allocContiguous(bytes: number, align: number, clear: boolean): Part[] | undefined {
    const units = bytes * this.scale;
    // A contiguous range is aligned to minBlockSize only (the buddy's try-harder path joins two
    // neighbours); a larger alignment asks for one block of at least that size instead, trimmed
    // back to the request (the tail returns with its clear state kept).
    const block = Math.max(align * this.scale, roundUpPow2(units));
    const request = align <= this.minBlockSize ? { contiguous: true, clear } : { minBlockSize: block, clear };
    const fits = (b: Buddy): boolean => b.avail >= units && (request.contiguous === true || block <= largestBlock(b));
    return this.inOneChunk(units, fits, request, bytes);
  }

  /**
   * Blocks that may lie apart: all in the first chunk that can hold them, else all in a new
   * chunk, else spread over the chunks (and new ones) that together can.
   */
  private allocBlocks(bytes: number, align: number, clear: boolean): Part[] | undefined {
    const minBlock = Math.max(align, this.minBlockSize) * this.scale;
    const units = bytes * this.scale;
    const request = { minBlockSize: minBlock, clear };
    const fits = (b: Buddy): boolean => b.avail >= units && units <= b.size && minBlock <= largestBlock(b);
    const whole = this.inOneChunk(units, fits, request, bytes);
    if (whole !== undefined) return whole;

    // Spread: a chunk can serve every free block of at least minBlock units (see usable()),
    // and a chunk still to be created its power-of-two parts of at least minBlock.
    let room = 0;
    for (const chunk of this.chunks) room += usable(chunk.buddy, minBlock);
    for (let grown = this.totalBytes(); grown < this.maxSize && room < units; grown += this.chunkSize) {
      room += rootsUsable(Math.min(this.chunkSize, this.maxSize - grown) * this.scale, minBlock);
    }
    if (room < units) return undefined;
    const parts: Part[] = [];
    let left = units;
    for (let i = 0; left > 0; i++) {
      const chunk = i < this.chunks.length ? this.chunks[i]! : this.addChunk(this.nextAllocator(this.minBlockSize)!);
      const take = Math.min(left, usable(chunk.buddy, minBlock));
      if (take === 0) continue;
      const handles = chunk.buddy.alloc(take, request);
      invariant(handles !== undefined, `chunk ${chunk.index}: ${take} units in free blocks of ${minBlock} were not allocatable`);
      parts.push({ chunk, handles });
      left -= take;
    }
    return parts;
  }

  /** The first chunk that `fits` and serves the request, else a new chunk; undefined if none. */
  private inOneChunk(units: number, fits: (b: Buddy) => boolean, request: BuddyAllocOptions, bytes: number): Part[] | undefined {
    for (const chunk of this.chunks) {
      if (!fits(chunk.buddy)) continue;
      const handles = chunk.buddy.alloc(units, request);
      if (handles !== undefined) return [{ chunk, handles }];
    }
    // A new chunk: its allocator first, the GPUBuffer only once the allocator has served.
    const buddy = this.nextAllocator(bytes);
    const handles = buddy !== undefined && fits(buddy) ? buddy.alloc(units, request) : undefined;
    return handles === undefined ? undefined : [{ chunk: this.addChunk(buddy!), handles }];
  }

  private totalBytes(): number {
    let size = 0;
    for (const c of this.chunks) size += c.bytes;
    return size;
  }

  /** The allocator of the next chunk: chunkSize bytes (less for the last one within maxSize),
   *  all clear; undefined if fewer than minBytes fit. */
  private nextAllocator(minBytes: number): Buddy | undefined {
    const chunkBytes = Math.min(this.chunkSize, this.maxSize - this.totalBytes());
    if (chunkBytes < minBytes) return undefined;
    const buddy = this.buddyDesign.create({ size: chunkBytes * this.scale, chunkSize: this.minBlockSize * this.scale });
    buddy.resetClear(true); // WebGPU hands out new buffers zeroed
    return buddy;
  }

  /** Creates the GPUBuffer of a new chunk managed by `buddy`. */
  private addChunk(buddy: Buddy): Chunk {
    const bytes = buddy.size / this.scale;
    const buffer = this.device.createBuffer({ label: `kalloc GpuHeap chunk ${this.chunks.length}`, size: bytes, usage: this.usage });
    const chunk: Chunk = { index: this.chunks.length, buffer, bytes, buddy };
    this.chunks.push(chunk);
    return chunk;
  }

  private gpuBlock(chunk: Chunk, h: BuddyBlock): GpuBlock {
    const s = this.scale;
    return { buffer: chunk.buffer, offset: h.offset / s, size: h.size / s, order: h.order, clear: h.clear };
  }

  /** Clears the blocks not known to be clear (adjacent ones in one call) and submits. */
  private clearOnAlloc(blocks: GpuBlock[]): void {
    let encoder: GPUCommandEncoder | undefined;
    for (let i = 0; i < blocks.length; ) {
      const b = blocks[i]!;
      if (b.clear) {
        i++;
        continue;
      }
      let end = b.offset + b.size;
      for (i++; i < blocks.length && !blocks[i]!.clear && blocks[i]!.buffer === b.buffer && blocks[i]!.offset === end; i++) end += blocks[i]!.size;
      encoder ??= this.device.createCommandEncoder({ label: 'kalloc GpuHeap clear' });
      encoder.clearBuffer(b.buffer, b.offset, end - b.offset);
      this.clearCalls++;
      this.bytesClearedOnAlloc += end - b.offset;
    }
    if (encoder !== undefined) this.device.queue.submit([encoder.finish()]);
  }

  // ---- idle clearing -------------------------------------------------------------------------

  /** Waits for the queue once, then clears; re-arms while it found dirty memory to clear. */
  private armIdle(): void {
    if (this.idleBudget === 0 || this.idleWaiting || this.destroyed) return;
    this.idleWaiting = true;
    this.device.queue.onSubmittedWorkDone().then(
      () => {
        this.idleWaiting = false;
        if (this.idleBudget > 0 && !this.destroyed && this.clearIdle(this.idleBudget) > 0) this.armIdle();
      },
      () => {
        this.idleWaiting = false; // device lost: nothing more to clear
      },
    );
  }

  private requireAlive(): void {
    if (this.destroyed) throw new KallocError('EINVAL', 'this GpuHeap was destroyed');
  }
}

/** Units of `buddy` in free blocks of at least `minBlock` units (a spread alloc can take them all). */
function usable(buddy: Buddy, minBlock: number): number {
  let units = 0;
  for (const o of buddy.stats().orders) if (buddy.chunkSize * 2 ** o.order >= minBlock) units += o.bytes;
  return units;
}

/** The same for a new allocator of `size` units: its roots are the power-of-two parts of size. */
function rootsUsable(size: number, minBlock: number): number {
  let units = 0;
  for (let rest = size; rest > 0; ) {
    const part = roundDownPow2(rest);
    if (part >= minBlock) units += part;
    rest -= part;
  }
  return units;
}

function largestBlock(buddy: Buddy): number {
  return buddy.chunkSize * 2 ** buddy.maxOrder;
}
