import type { Design } from '../core/design.ts';
import { SharedHeap, type SharedHeapOptions } from './shared-heap.ts';

export type HeapDesign = Design<Omit<SharedHeapOptions, 'mode'>, SharedHeap>;

/** The shared heap family: workers owning what they carve, and the same heap under one lock. */
export const HEAP_DESIGNS: readonly HeapDesign[] = [
  {
    id: 'owned',
    label: 'owned blocks',
    role: 'new',
    summary: 'the pcp-buddy idea across threads: workers own the blocks they carve, remote frees go home',
    create: (options) => SharedHeap.create({ ...options, mode: 'owned' }),
  },
  {
    id: 'global-lock',
    label: 'global lock',
    role: 'baseline',
    summary: 'the same heap with every operation under one lock',
    create: (options) => SharedHeap.create({ ...options, mode: 'global-lock' }),
  },
];
