import type { Scenario } from '../scenario.ts';
import { vmallocSuite } from '../../range/vmalloc-suite.ts';
import { contigScenario } from '../../page/scenarios/contig.ts';
import { fragmentationScenario } from '../../page/scenarios/fragmentation.ts';
import { gigablocksScenario } from '../../page/scenarios/gigablocks.ts';
import { pcpExitScenario } from '../../page/scenarios/pcp-exit.ts';
import { pcpOneAllocatorScenario } from '../../page/scenarios/pcp-one-allocator.ts';
import { pcpPurgerScenario } from '../../page/scenarios/pcp-purger.ts';
import { pcpTraceScenario } from '../../page/scenarios/pcp-trace.ts';
import { buddyFragmentation, buddyMixed, buddyVkcts } from '../../buddy/scenarios.ts';
import { sharedHeapScenario } from '../../heap/scenario.ts';

/**
 * Every built-in scenario, in the order `kalloc lab` runs them. A module that adds a scenario
 * adds one line here.
 */
export const scenarios: Scenario<unknown>[] = [vmallocSuite, buddyVkcts, buddyFragmentation, buddyMixed, contigScenario, fragmentationScenario, gigablocksScenario, pcpPurgerScenario, pcpExitScenario, pcpOneAllocatorScenario, pcpTraceScenario, sharedHeapScenario];

export function findScenario(name: string): Scenario<unknown> | undefined {
  return scenarios.find((s) => s.name === name);
}
