import type { Worker } from 'node:worker_threads';
import { firstMessage, spawnWorker } from 'kalloc/node';

/**
 * One worker thread per design, each running `entry`: a module that answers every message posted
 * to it with one message. Each design's code is then compiled for that design alone, as in a
 * program that uses one design; measured in one thread, the code the designs share would be
 * compiled for both (polymorphic call sites), and whichever ran first would also pay the warm-up.
 */
export class DesignWorkers {
  private readonly workers = new Map<string, Worker>();

  constructor(entry: URL, designs: readonly string[]) {
    for (const d of designs) this.workers.set(d, spawnWorker(entry, {}));
  }

  /** Posts `message` to the design's worker and resolves with its answer. */
  run<T>(design: string, message: unknown): Promise<T> {
    const worker = this.workers.get(design);
    if (worker === undefined) throw new Error(`no worker for design ${design}`);
    const answer = firstMessage<T>(worker);
    worker.postMessage(message);
    return answer;
  }

  async close(): Promise<void> {
    for (const w of this.workers.values()) await w.terminate();
  }
}

/**
 * `rounds` rounds of run(design, round) over every design, one at a time, the order reversed
 * every other round so that no design always runs first. Results per design, in round order.
 */
export async function interleaved<T>(designs: readonly string[], rounds: number, run: (design: string, round: number) => Promise<T>): Promise<Record<string, T[]>> {
  const out: Record<string, T[]> = {};
  for (const d of designs) out[d] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? designs : [...designs].reverse();
    for (const d of order) out[d]!.push(await run(d, round));
  }
  return out;
}
