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
import { buddyNoClear } from './buddy-no-clear.ts';
import { sharedHeapScenario } from './shared-heap.ts';
import { webgpuClearScenario } from './webgpu-clear.ts';
import { reviewGpuBuddy } from './review-gpu-buddy.ts';
import { reviewGigablocks } from './review-gigablocks.ts';
import { reviewMemarea } from './review-memarea.ts';
import { reviewPcpBuddy } from './review-pcp-buddy.ts';

/**
 * Every built-in scenario, in the order `kalloc lab` runs them. A module that adds a scenario
 * adds one line here.
 */
export const scenarios: Scenario<unknown>[] = [vmallocSuite, buddyVkcts, buddyFragmentation, buddyMixed, buddyNoClear, contigScenario, fragmentationScenario, gigablocksScenario, pcpPurgerScenario, pcpExitScenario, pcpOneAllocatorScenario, pcpTraceScenario, sharedHeapScenario, webgpuClearScenario, reviewGpuBuddy, reviewPcpBuddy, reviewGigablocks, reviewMemarea];

export function findScenario(name: string): Scenario<unknown> | undefined {
  return scenarios.find((s) => s.name === name);
}
