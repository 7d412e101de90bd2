import type { Target } from '../harness.ts';
import { buddyTarget } from './buddy.ts';
import { heapTarget } from './heap.ts';
import { pageTarget } from './page.ts';
import { rangeTarget } from './range.ts';

/** Every fuzz target, by name. */
export const TARGETS: Record<string, Target<never>> = {
  range: rangeTarget as Target<never>,
  buddy: buddyTarget as Target<never>,
  page: pageTarget as Target<never>,
  heap: heapTarget as Target<never>,
};
