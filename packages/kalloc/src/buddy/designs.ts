import type { Design } from '../core/design.ts';
import type { BuddyAllocatorOptions } from './api.ts';
import { BuddyAllocator } from './buddy-allocator.ts';
import { LegacyBuddyAllocator } from './legacy-buddy-allocator.ts';

/** Every buddy design has BuddyAllocator's interface. */
export type AnyBuddyAllocator = BuddyAllocator | LegacyBuddyAllocator;
export type BuddyDesign = Design<BuddyAllocatorOptions, AnyBuddyAllocator>;

/** The GPU buddy family: the 2026 redesign and the dual-tree design it replaces. */
export const BUDDY_DESIGNS: readonly BuddyDesign[] = [
  {
    id: 'unified',
    label: 'unified + clear tracker',
    role: 'new',
    summary: 'one free tree per order, unconditional coalescing, cleared extents tracked out of band (gpu_buddy, 2026)',
    create: (options) => new BuddyAllocator(options),
  },
  {
    id: 'legacy',
    label: 'dual clear/dirty trees',
    role: 'baseline',
    summary: 'separate clear and dirty trees, same-state merges only, force-merge on demand (gpu_buddy before 2026)',
    create: (options) => new LegacyBuddyAllocator(options),
  },
];
