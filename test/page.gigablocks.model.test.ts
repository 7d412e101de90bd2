import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PageAllocator } from '../packages/kalloc/src/page/page-allocator.ts';
import { pageDesigns } from '../packages/kalloc/src/page/designs.ts';
import { FUZZ, TYPES, checkModel, countTrue, modelTaint, zoneConfigs, type Model, type Step, type Watch } from './page-model.ts';

/** Every gigablock design of the page registry that has gigablocks (the index, and the alternatives). */
const GIGABLOCK_PRESETS = pageDesigns('gigablocks').filter((d) => d.preset.gigablocks === true);

/**
 * Model-based test of the PageAllocator with gigablocks on. Besides the harness's checks (check()
 * recomputes the gigablock index — bitmaps per order and type, taint from the pages, fullness,
 * counters — from the zone's blocks and compares; verify() recomputes the taint count from the
 * caller's own pages and compares it with stats()), after every command the placement rules are
 * checked where they are exact (single pages, no per-CPU cache): an unmovable or reclaimable page
 * taints a gigablock only when no tainted one has a free page; a movable page lands in a tainted
 * gigablock only when no clean one has a free page; nothing else ever taints. (A request may fail
 * only when no block of its order is free: the harness checks that, and allows success without
 * one only after an evacuation.)
 */

/** Per gigablock: whether the caller holds an unmovable or reclaimable page there, and its free pages. */
function gigablockView(a: PageAllocator, m: Readonly<Model>): { tainted: boolean[]; free: number[] } {
  const tainted = modelTaint(m, a);
  const free = new Array<number>(tainted.length).fill(0);
  let pfn = 0;
  for (const pb of a.pageblockSummary()) {
    free[Math.floor(pfn / 2 ** a.gigablockOrder)]! += pb.freePages;
    pfn += pb.pages;
  }
  return { tainted, free };
}

const placement: Watch = (a, m) => {
  const before = gigablockView(a, m);
  const taintedBefore = countTrue(before.tainted);
  return (step: Step) => {
    const view = gigablockView(a, m);
    const tainted = countTrue(view.tainted);
    assert.equal(a.stats().gigablocks.count, view.tainted.length);
    if (step.op !== 'alloc') {
      assert.ok(tainted <= taintedBefore, `${step.op} tainted a gigablock`);
      return;
    }
    if (step.pfn === undefined) return;
    const gb = Math.floor(step.pfn / 2 ** a.gigablockOrder);
    if (step.mt === 'movable') {
      assert.ok(tainted <= taintedBefore, 'a movable allocation tainted a gigablock');
      if (step.order === 0 && before.tainted[gb]) {
        assert.ok(before.free.every((f, g) => before.tainted[g] || f === 0), `movable page ${step.pfn} in tainted gigablock ${gb} while a clean one had room`);
      }
    } else if (step.order === 0 && tainted > taintedBefore) {
      assert.ok(before.free.every((f, g) => !before.tainted[g] || f === 0), `page ${step.pfn} tainted gigablock ${gb} while a tainted one had room`);
    }
  };
};

for (const design of GIGABLOCK_PRESETS) {
  const configs = fc
    .tuple(zoneConfigs({ smallPages: 100, maxOrder: 6 }), fc.nat(4))
    .map(([zone, gbExtra]) => ({ ...zone, ...design.preset, gigablockOrder: zone.maxOrder + gbExtra }));

  test(`gigablocks (${design.id}, ${design.role}): model-based alloc/free/contig/compact keeps the index exact and the placement rules`, () => {
    checkModel({
      configs,
      // Single pages, movable twice as often: where the placement rules are exact.
      mix: { allocs: 1, smallAllocs: 1, smallOrder: 2, smallTypes: ['movable', ...TYPES], frees: 2, drains: 0, compacts: 1, contigs: 1, wholeGigablocks: true },
      maxCommands: FUZZ ? 300 : 100,
      numRuns: FUZZ ? 1000 : 150,
      watch: placement,
    });
  });
}
