import { Prng, pageDesigns, type Migratetype, type PageAllocator } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { DesignWorkers, interleaved } from '../kit/design-workers.ts';

/**
 * review-gigablocks' cost run: a zone of many (scaled-down) gigablocks filled to 90% with orders
 * 0-3 (5% unmovable or reclaimable), then rounds of churn steps (free a random block, allocate
 * one). Each design runs in a worker thread of its own (so the code of one gigablock search is
 * compiled for that design alone), the rounds interleaved between the designs. Movable blocks
 * stay put (no onMigrate), so every design serves the same kind of calls.
 */

export interface CostParams {
  gigablocks: number;
  /** Gigablocks of 2^order pages. */
  order: number;
  /** Churn steps in all, split over `rounds`. */
  steps: number;
  rounds: number;
  seed: number;
}

const UNMOVABLE_SHARE = 0.03;
const RECLAIMABLE_SHARE = 0.02;

export function pickType(rng: Prng): Migratetype {
  const r = rng.float();
  return r < UNMOVABLE_SHARE ? 'unmovable' : r < UNMOVABLE_SHARE + RECLAIMABLE_SHARE ? 'reclaimable' : 'movable';
}

/** A zone of the cost run filled to 90%, and its caller's live blocks. */
class CostZone {
  readonly a: PageAllocator;
  private readonly live: Int32Array;
  private count = 0;
  private readonly rng: Prng;

  constructor(designId: string, p: CostParams) {
    const design = pageDesigns('gigablocks').find((d) => d.id === designId)!;
    const pages = p.gigablocks * 2 ** p.order;
    this.a = design.create({ pages, gigablockOrder: p.order, pcp: 'none' });
    this.rng = new Prng(p.seed);
    this.live = new Int32Array(pages);
    while (this.a.freePages > pages * 0.1) {
      const pfn = this.a.alloc(this.rng.below(4), { migratetype: pickType(this.rng) });
      if (pfn === undefined) break;
      this.live[this.count++] = pfn;
    }
  }

  /** One round of churn steps; its wall time in ms. */
  round(steps: number): number {
    const t0 = now();
    for (let step = 0; step < steps; step++) {
      const i = this.rng.below(this.count);
      this.a.free(this.live[i]!);
      this.live[i] = this.live[--this.count]!;
      const pfn = this.a.alloc(this.rng.below(4), { migratetype: pickType(this.rng) });
      if (pfn !== undefined) this.live[this.count++] = pfn;
    }
    return sinceMs(t0);
  }
}

/** What a worker is asked: fill its design's zone, run a round, or check the zone. */
export type CostMessage = { op: 'fill'; design: string; params: CostParams } | { op: 'round'; steps: number } | { op: 'check' };

/** A worker's zone between messages; answers each message with the gigablocks searched so far (and a round's ms). */
let zone: CostZone | undefined;
export function handleCostMessage(m: CostMessage): { searched: number; ms: number } {
  let ms = 0;
  if (m.op === 'fill') zone = new CostZone(m.design, m.params);
  else if (m.op === 'round') ms = zone!.round(m.steps);
  else zone!.a.check();
  return { searched: zone!.a.stats().gigablocks.searched, ms };
}

const WORKER = new URL(`./gigablock-cost-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

export interface CostRun {
  /** Each round's time in ms, in round order. */
  rounds: number[];
  /** Gigablocks a blind search visited per allocation during the rounds. */
  visitedPerAlloc: number;
  /** Steps per round. */
  steps: number;
}

/** The cost run of every design id in `designs`; `step` reports each round as it starts. */
export async function runCost(designs: readonly string[], p: CostParams, step: (done: number, total: number) => void): Promise<Record<string, CostRun>> {
  const workers = new DesignWorkers(WORKER, designs);
  const steps = Math.ceil(p.steps / p.rounds);
  try {
    const filled = await Promise.all(designs.map((d) => workers.run<{ searched: number }>(d, { op: 'fill', design: d, params: p } satisfies CostMessage)));
    let done = 0;
    const rounds = await interleaved(designs, p.rounds, (d) => {
      step(done++, designs.length * p.rounds);
      return workers.run<{ ms: number }>(d, { op: 'round', steps } satisfies CostMessage);
    });
    const out: Record<string, CostRun> = {};
    for (const [i, d] of designs.entries()) {
      const { searched } = await workers.run<{ searched: number }>(d, { op: 'check' } satisfies CostMessage);
      out[d] = { rounds: rounds[d]!.map((r) => r.ms), visitedPerAlloc: (searched - filled[i]!.searched) / (steps * p.rounds), steps };
    }
    return out;
  } finally {
    await workers.close();
  }
}
