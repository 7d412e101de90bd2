import type { Scenario } from '../scenario.ts';
import { vmallocSuite } from './vmalloc-suite.ts';
import { contigScenario } from './contig.ts';
import { fragmentationScenario } from './fragmentation.ts';
import { gigablocksScenario } from './gigablocks.ts';
import { pcpExitScenario } from './pcp-exit.ts';
import { pcpOneAllocatorScenario } from './pcp-one-allocator.ts';
import { pcpPurgerScenario } from './pcp-purger.ts';
import { pcpTraceScenario } from './pcp-trace.ts';
import { buddyVkcts } from './buddy-vkcts.ts';
import { buddyFragmentation } from './buddy-fragmentation.ts';
import { buddyMixed } from './buddy-mixed.ts';
import { sharedHeapScenario } from './shared-heap.ts';

/**
 * Every built-in scenario, in the order `kalloc lab` runs them. A module that adds a scenario
 * adds one line here.
 */
export const scenarios: Scenario<unknown>[] = [vmallocSuite, buddyVkcts, buddyFragmentation, buddyMixed, contigScenario, fragmentationScenario, gigablocksScenario, pcpPurgerScenario, pcpExitScenario, pcpOneAllocatorScenario, pcpTraceScenario, sharedHeapScenario];

export function findScenario(name: string): Scenario<unknown> | undefined {
  return scenarios.find((s) => s.name === name);
}
