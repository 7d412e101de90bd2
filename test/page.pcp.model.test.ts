import { test } from 'node:test';
import fc from 'fast-check';
import { pageDesigns } from '../packages/kalloc/src/page/designs.ts';
import { FUZZ, TYPES, checkModel, zoneConfigs } from './page-model.ts';

/** Every per-CPU design of the page registry that has a per-CPU layer. */
const PCP_LAYERS = pageDesigns('pcp').map((d) => d.preset.pcp!).filter((pcp) => pcp !== 'none');

/**
 * Model-based test of the per-CPU layers with 4 CPUs: random allocations and frees on random
 * CPUs (frees mostly on another CPU than the allocating one), drains, compaction and contiguous
 * allocation. After every command the harness checks check(), no page lost or duplicated, and
 * that the zone's free pages plus every CPU's cached pages equal the pages the model does not hold;
 * with gigablocks, that the tainted count is the model's (gigablocks where the caller holds
 * unmovable or reclaimable pages) when nothing is cached, and exceeds it by no more than the
 * cached pages otherwise (check() recounts the cached pages' taint exactly).
 */

const configs = fc
  .tuple(
    zoneConfigs({ smallPages: 100, maxOrder: 10 }),
    fc.record({
      pcp: fc.constantFrom(...PCP_LAYERS),
      pcpHigh: fc.integer({ min: 0, max: 300 }),
      pcpBatch: fc.integer({ min: 1, max: 40 }),
      // Both layers sit above the zone's take/put, with or without per-gigablock free lists.
      gigablocks: fc.boolean(),
      gbExtra: fc.nat(4),
    }),
  )
  .map(([zone, { gbExtra, ...pcp }]) => ({ ...zone, ...pcp, gigablockOrder: zone.maxOrder + gbExtra, cpus: 4 }));

test('pcp (every registered per-CPU layer, 4 CPUs, gigablocks on or off): model-based alloc/free/drain/compact/contig keeps every page accounted', () => {
  checkModel({
    configs,
    mix: { allocs: 1, smallAllocs: 2, smallOrder: 3, smallTypes: TYPES, frees: 3, drains: 1, compacts: 1, contigs: 1, wholeGigablocks: false },
    maxCommands: FUZZ ? 400 : 100,
    numRuns: FUZZ ? 2000 : 150,
  });
});
