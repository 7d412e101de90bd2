// Entry `kalloc/webgpu`: GpuHeap, sub-allocation of GPUBuffers with clear tracking. Browser-safe
// (nothing here imports a `node:` module). Its types name the WebGPU globals (GPUDevice,
// GPUBuffer) from @webgpu/types, which a TypeScript user of this entry installs.
export { GpuHeap } from './gpu-heap.ts';
export type { GpuHeapOptions, GpuAllocOptions, GpuFreeOptions, GpuAllocation, GpuBlock, GpuHeapStats } from './gpu-heap.ts';
