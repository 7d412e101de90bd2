import { roundDownPow2 } from '../../core/bits.ts';

/**
 * How big the per-CPU caches are: `batch` pages per refill/drain (before scaling), and `high`,
 * the pages a CPU may cache before a free drains. Both caches tune each CPU's high (PcpSizing)
 * between `highMin` and `highMax` as the kernel does (equal bounds pin it, as
 * vm.percpu_pagelist_high_fraction does); `highWatermark` is the zone's high watermark in free
 * pages, below which the kernel shrinks the caches (ZONE_BELOW_HIGH; 0: never).
 */
export interface PcpTuning {
  cpus: number;
  /** Each CPU's high at the start (one value for all, or one per CPU). */
  high: number | readonly number[];
  batch: number;
  /** Bounds of the automatic tuning; default: both the starting high (pinned). */
  highMin?: number;
  highMax?: number;
  highWatermark?: number;
}

/** The starting high of `cpu`. */
export function startHigh(tuning: PcpTuning, cpu: number): number {
  return typeof tuning.high === 'number' ? tuning.high : tuning.high[cpu]!;
}

/**
 * zone_batchsize(): a quarter of the zone's pages / 1024, capped at 1 MiB of pages, then
 * rounded to 2^n - 1 (so batches do not alias in the cache): 63 for any zone of 1 GiB or more.
 */
export function defaultBatch(pages: number): number {
  let batch = Math.floor(Math.min(Math.floor(pages / 1024), 256) / 4);
  if (batch < 1) batch = 1;
  return Math.max(1, roundDownPow2(batch + (batch >>> 1)) - 1);
}

/**
 * About the kernel's high_min (zone_highsize: the zone's low watermark split between the CPUs,
 * at least 4 x batch). The low watermark is taken as 1/64 of the zone, near the 1.4% of the
 * machine the traces were recorded on (low 9920 of 688128 pages, high_min 4960 on 2 CPUs).
 */
export function defaultHigh(pages: number, cpus: number, batch: number): number {
  return Math.max(4 * batch, Math.floor(pages / 64 / cpus));
}
