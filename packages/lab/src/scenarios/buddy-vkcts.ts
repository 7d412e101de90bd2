import { defineScenario, type Chart, type MemoryMap } from '../scenario.ts';
import { formatBytes, formatNumber } from '../format.ts';
import { Prng, type BuddyBlock } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { NEW, OLD, DESIGNS, make, histogram, memoryMap, K, G, PAGE, type Allocator } from '../workloads/buddy.ts';

interface VkctsParams {
  size: number;
  count: number;
  blockSize: number;
  align: number;
  /** Background allocations made (and half freed) before the test, so "before" is lived-in. */
  background: number;
  seed: number;
}

/** A lived-in VRAM: random allocations of 4 KiB..2 MiB, a random half of them freed (dirty). */
function backgroundFill(mm: Allocator, p: VkctsParams): void {
  const r = new Prng(p.seed);
  const live: BuddyBlock[][] = [];
  for (let i = 0; i < p.background; i++) {
    const blocks = mm.alloc(PAGE * 2 ** r.below(10));
    if (blocks) live.push(blocks);
  }
  for (const blocks of live) if (r.chance(0.5)) mm.free(blocks);
}

export const buddyVkcts = defineScenario<VkctsParams>({
  name: 'buddy-vkcts',
  title: 'VKCTS 8 KiB x 4000 reverse: fragmentation left behind',
  claim:
    "After dEQP-VK.memory.allocation.basic.size_8KiB.reverse.count_4000 (8 KiB at 256 KiB alignment, freed in reverse, half as cleared), the unified design's free blocks per order equal those before the test, while the dual-tree design is left with thousands (>= 1000) of extra small blocks.",
  designs: DESIGNS,
  metrics: {
    'free blocks before': { unit: 'blocks', description: 'free blocks over all orders before the test' },
    'free blocks after': { unit: 'blocks', better: 'lower', description: 'free blocks over all orders after the test' },
    'extra blocks left': { unit: 'blocks', better: 'lower', description: 'after minus before' },
    'orders changed': { unit: 'orders', better: 'lower', description: 'orders whose free-block count differs from before' },
    'cleared bytes kept': { unit: 'bytes', better: 'higher', description: 'clearAvail after the test' },
    'test ms': { unit: 'ms', better: 'lower' },
  },
  params: {
    full: { size: 8 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 3000, seed: 7 },
    quick: { size: 2 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 1000, seed: 7 },
  },
  describe: (p) =>
    `a ${formatBytes(p.size)} VRAM (4 KiB chunks) lived in by ${p.background} random 4 KiB-2 MiB allocations (half freed), then ${p.count} allocations of ${formatBytes(p.blockSize)} with minBlockSize ${formatBytes(p.align)}, freed in reverse, every other one as cleared; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    const points: Chart['points'] = [];
    const maps: MemoryMap[] = [];
    DESIGNS.forEach((design, d) => {
      ctx.progress(d, DESIGNS.length, design);
      const mm = make(design, p.size);
      backgroundFill(mm, p);
      const before = histogram(mm);
      const t0 = now();
      const blocks: BuddyBlock[][] = [];
      for (let i = 0; i < p.count; i++) {
        const b = mm.alloc(p.blockSize, { minBlockSize: p.align });
        if (!b) throw new Error(`${design}: allocation ${i} of ${p.count} failed`);
        blocks.push(b);
      }
      for (let i = blocks.length - 1; i >= 0; i--) mm.free(blocks[i]!, { cleared: i % 2 === 0 });
      const ms = sinceMs(t0);
      mm.check();
      const after = histogram(mm);
      const sum = (h: number[]): number => h.reduce((a, b) => a + b, 0);
      figures[design] = {
        'free blocks before': sum(before),
        'free blocks after': sum(after),
        'extra blocks left': sum(after) - sum(before),
        'orders changed': before.filter((n, k) => after[k] !== n).length,
        'cleared bytes kept': mm.clearAvail,
        'test ms': ms,
      };
      for (let k = 0; k < before.length; k++) {
        if (before[k] === 0 && after[k] === 0) continue;
        points.push({ series: `${design}: before`, x: k, y: before[k]! });
        points.push({ series: `${design}: after`, x: k, y: after[k]! });
      }
      maps.push(memoryMap(mm, design, `${design} after the test`));
    });
    ctx.progress(DESIGNS.length, DESIGNS.length);
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const met = n['orders changed'] === 0 && n['extra blocks left'] === 0 && o['extra blocks left']! >= 1000;
    return {
      figures,
      met,
      verdict: `unified: ${n['orders changed']} orders changed, ${formatNumber(n['extra blocks left']!)} extra blocks; dual-tree: ${o['orders changed']} orders changed, ${formatNumber(o['extra blocks left']!)} extra blocks (threshold 1,000)`,
      charts: [{ title: 'Free blocks per order, before and after the test', kind: 'bar', x: 'order', y: 'free blocks', points, logY: true }],
      maps,
      notes: [
        'Cleared frees stay known to the unified design (clearAvail) while its blocks merge; the dual-tree design cannot merge a cleared 8 KiB block with its dirty buddy, so every 256 KiB window stays split.',
      ],
    };
  },
});
