// Particle emitters on one GpuHeap: every frame some emitters start, each allocating a zeroed
// particle buffer (clear: the heap clears only what is not known to be clear), and expired ones
// free theirs dirty (their particles wrote to it). The idle clearer zeroes freed memory while the
// queue has nothing to do, so most clear allocations cost no clearing on the allocation path.
//
// Run it: npx esbuild examples/webgpu/main.ts --bundle --outfile=examples/webgpu/main.js
// then open examples/webgpu/index.html in a browser with WebGPU.
import { GpuHeap, type GpuAllocation } from 'kalloc/webgpu';

const PARTICLE_BYTES = 32; // position, velocity: 2 x vec4<f32>
const MAX_EMITTERS = 48;

interface Emitter {
  allocation: GpuAllocation;
  expires: number;
}

const status = document.querySelector('#status')!;
const framesOut = document.querySelector('#frames')!;
const statsOut = document.querySelector('#stats')!;
const canvas = document.querySelector<HTMLCanvasElement>('#map')!;

async function start(): Promise<void> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) {
    status.textContent = 'this browser has no WebGPU';
    return;
  }
  const device = await adapter.requestDevice();
  const heap = new GpuHeap(device, { chunkSize: 4 << 20, maxSize: 8 << 20, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.VERTEX });
  heap.clearWhenIdle(1 << 20);
  const emitters: Emitter[] = [];
  let frame = 0;
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

  const tick = (): void => {
    frame++;
    for (let i = emitters.length - 1; i >= 0; i--) {
      if (emitters[i]!.expires <= frame) heap.free(emitters.splice(i, 1)[0]!.allocation);
    }
    for (let spawn = Math.floor(random() * 4); spawn > 0 && emitters.length < MAX_EMITTERS; spawn--) {
      const particles = 256 + Math.floor(random() ** 3 * 16384);
      const allocation = heap.alloc(particles * PARTICLE_BYTES, { clear: true, contiguous: true });
      if (allocation === undefined) break; // full: wait for emitters to expire
      // The emitter writes its first particles; the rest of the buffer reads as zero (dead).
      const first = new Float32Array(Math.min(particles, 64) * (PARTICLE_BYTES / 4)).fill(1);
      device.queue.writeBuffer(allocation.buffer, allocation.offset, first);
      emitters.push({ allocation, expires: frame + 20 + Math.floor(random() * 100) });
    }
    framesOut.textContent = String(frame);
    statsOut.textContent = JSON.stringify(heap.stats(), null, 1);
    draw(heap, emitters);
    requestAnimationFrame(tick);
  };
  status.textContent = 'running';
  requestAnimationFrame(tick);
}

/** Backing buffers in the order they first showed up: their strips keep their place. */
const rows = new Map<GPUBuffer, number>();

/** One strip per backing buffer, a box per live allocation. */
function draw(heap: GpuHeap, emitters: Emitter[]): void {
  const ctx = canvas.getContext('2d')!;
  const chunks = Math.max(1, heap.stats().chunks);
  const strip = canvas.height / Math.ceil(heap.maxSize / heap.chunkSize);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#eee';
  ctx.fillRect(0, 0, canvas.width, strip * chunks - 4);
  ctx.fillStyle = '#3b7dd8';
  for (const { allocation } of emitters) {
    for (const b of allocation.blocks) {
      let row = rows.get(b.buffer);
      if (row === undefined) rows.set(b.buffer, (row = rows.size));
      const x = (b.offset / heap.chunkSize) * canvas.width;
      ctx.fillRect(x, row * strip, Math.max(1, (b.size / heap.chunkSize) * canvas.width), strip - 4);
    }
  }
}

start().catch((e: unknown) => {
  status.textContent = `failed: ${String(e)}`;
  console.error(e);
});
