/** What the page side of webgpu.browser.ts returns (plain data, shared by both sides). */
import type { GpuHeapStats } from 'kalloc/webgpu';

export interface ChurnResult {
  design: string;
  steps: number;
  allocs: number;
  clearAllocs: number;
  contiguousAllocs: number;
  failedAllocs: number;
  frees: number;
  clearedFrees: number;
  idleCalls: number;
  maxChunks: number;
  bytesVerified: number;
  failures: string[];
  stats: GpuHeapStats;
  /** What reached GPUCommandEncoder.clearBuffer while the heap lived. */
  traffic: { bytes: number; calls: number };
}

export interface MisuseResult {
  cases: number;
  failures: string[];
}

export interface ChunksAndIdleResult {
  failures: string[];
  spread: { buffers: number; blocks: number };
  idle: { cleared: number; clearAvail: number; size: number; stoppedAt: number };
}

/** The functions the page puts on globalThis.kallocWebGpu. */
export interface WebGpuTests {
  churn(design: 'unified' | 'legacy', seed: number, steps: number): Promise<ChurnResult>;
  misuse(): Promise<MisuseResult>;
  chunksAndIdle(): Promise<ChunksAndIdleResult>;
}
