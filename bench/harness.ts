import { Bench } from 'tinybench';
import Table from 'cli-table3';
import os from 'node:os';
import { formatNumber, formatRatio } from '../packages/lab/src/format.ts';

/**
 * The shared benchmark harness: tinybench underneath, each task a batch of `ops` operations so
 * that nanosecond-scale work sits far above the timer's resolution, results as operations per
 * second with the 95% relative margin of error. Ratios are always taken within one run.
 */
export interface BenchTask {
  name: string;
  /** Operations one call of fn performs (an alloc+free pair counts as one). */
  ops: number;
  fn: () => void;
  /** Runs before the timed samples (building a live set, say); not timed. */
  setup?: () => void;
}

export interface BenchResult {
  name: string;
  opsPerSec: number;
  rme: number; // percent
  p50: number; // ns per op
  p99: number; // ns per op
}

export interface BenchOptions {
  time?: number; // ms per task (default 600; BENCH_TIME overrides)
  warmupTime?: number; // ms
}

export async function measure(tasks: BenchTask[], options: BenchOptions = {}): Promise<BenchResult[]> {
  const time = Number(process.env.BENCH_TIME ?? options.time ?? 600);
  const results: BenchResult[] = [];
  for (const task of tasks) {
    task.setup?.();
    const bench = new Bench({ time, warmupTime: options.warmupTime ?? Math.min(200, time / 2), throws: true });
    bench.add(task.name, task.fn);
    await bench.run();
    const r = bench.tasks[0]!.result;
    if (r.state !== 'completed') throw new Error(`benchmark ${task.name} did not complete: ${r.state}`);
    results.push({
      name: task.name,
      opsPerSec: r.throughput.mean * task.ops,
      rme: r.throughput.rme,
      p50: (r.latency.p50 * 1e6) / task.ops,
      p99: (r.latency.p99 * 1e6) / task.ops,
    });
  }
  return results;
}

/** Prints results with a ratio column against `baseline` (a task name). */
export function printResults(title: string, results: BenchResult[], baseline?: string): void {
  const base = results.find((r) => r.name === baseline);
  const head = ['task', 'ops/s', '±', 'ns/op p50', ...(base ? [`vs ${base.name}`] : [])];
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const r of results) {
    table.push([
      r.name,
      formatNumber(Math.round(r.opsPerSec)),
      `${r.rme.toFixed(1)}%`,
      formatNumber(r.p50),
      ...(base ? [formatRatio(r.opsPerSec / base.opsPerSec)] : []),
    ]);
  }
  console.log(`\n${title}\n${table.toString()}`);
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores, Node ${process.version}`;
}

/** Defeats dead-code elimination: benchmarks fold results into it. */
export const sink = { value: 0 };
