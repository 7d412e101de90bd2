import type { Design } from '../core/design.ts';
import type { BuddyAllocatorOptions } from './api.ts';
import { BuddyAllocator } from './buddy-allocator.ts';
import { ExtentBuddyAllocator } from './extent-buddy-allocator.ts';
import { FailedMergeListBuddyAllocator, FullMergeBuddyAllocator } from './legacy-alternatives.ts';
import { LegacyBuddyAllocator } from './legacy-buddy-allocator.ts';

/** Every buddy design has BuddyAllocator's interface. */
export type AnyBuddyAllocator = BuddyAllocator | LegacyBuddyAllocator;
export type BuddyDesign = Design<BuddyAllocatorOptions, AnyBuddyAllocator>;

/**
 * The GPU buddy family: the 2026 redesign, the dual-tree design it replaces, and the alternatives
 * Matthew Auld's review of the redesign proposed (dri-devel, May 2026).
 */
export const BUDDY_DESIGNS: readonly BuddyDesign[] = [
  {
    id: 'unified',
    label: 'unified + clear tracker',
    role: 'new',
    summary: 'unconditional coalescing, all-cleared free blocks apart, cleared parts of mixed blocks tracked out of band (gpu_buddy, 2026)',
    create: (options) => new BuddyAllocator(options),
  },
  {
    id: 'legacy',
    label: 'dual clear/dirty trees',
    role: 'baseline',
    summary: 'separate clear and dirty trees, same-state merges only, force-merge on demand (gpu_buddy before 2026)',
    create: (options) => new LegacyBuddyAllocator(options),
  },

  {
    id: 'legacy-full-merge',
    label: 'dual-tree, one-shot merge',
    role: 'alternative',
    summary: 'dual trees; the first allocation that hits the merge barrier merges every mismatched pair at once (review: "force_merge all in one go?")',
    create: (options) => new FullMergeBuddyAllocator(options),
  },
  {
    id: 'legacy-failed-list',
    label: 'dual-tree, failed-merge list',
    role: 'alternative',
    summary: 'dual trees; frees record blocks refused a merge per order, force-merge visits only those (review: "a per-order list of failed merges?")',
    create: (options) => new FailedMergeListBuddyAllocator(options),
  },
  {
    id: 'extent',
    label: 'unified + free extents',
    role: 'alternative',
    summary: 'unified design plus extent tracking of all free memory serving contiguous requests instead of try-harder (review: "extent tracking for all contiguous blobs?")',
    create: (options) => new ExtentBuddyAllocator(options),
  },
];
