import type { Design } from '../core/design.ts';
import { LinearRangeAllocator } from './linear-range-allocator.ts';
import { RangeAllocator } from './range-allocator.ts';
import type { RangeAllocatorApi, RangeAllocatorOptions } from './range-api.ts';

export type RangeDesign = Design<RangeAllocatorOptions, RangeAllocatorApi>;

/** The range family: vmalloc's free-area tree and the busy-list walk it replaced. */
export const RANGE_DESIGNS: readonly RangeDesign[] = [
  {
    id: 'tree',
    label: 'free-area tree',
    role: 'new',
    summary: 'augmented free-area tree, exact lowest fit in O(log N) (vmalloc since 5.2, 2019)',
    create: (options) => new RangeAllocator(options),
  },
  {
    id: 'linear',
    label: 'linear busy list',
    role: 'baseline',
    summary: 'hole search along the sorted busy list with the free_vmap_cache hint (vmalloc before 5.2)',
    create: (options) => new LinearRangeAllocator(options),
  },
];
