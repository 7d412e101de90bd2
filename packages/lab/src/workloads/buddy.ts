import type { MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { BUDDY_DESIGNS, type AnyBuddyAllocator, type BuddyDesign } from 'kalloc';

/**
 * What the buddy scenarios share: they compare the 2026 unified free tree + clear tracker with the
 * dual-tree design it replaces (the first two entries of the registry), on the workloads the
 * patch series was written for.
 */
export const [UNIFIED, LEGACY] = BUDDY_DESIGNS as [BuddyDesign, BuddyDesign];
export const NEW = UNIFIED.label;
export const OLD = LEGACY.label;
export const DESIGNS = [NEW, OLD];
export type Allocator = AnyBuddyAllocator;
export const make = (design: string, size: number): Allocator => (design === NEW ? UNIFIED : LEGACY).create({ size });

export const K = 1024;
export const M = 1024 * K;
export const G = 1024 * M;
export const PAGE = 4096;

/** Free blocks per order, order 0 first. */
export function histogram(mm: Allocator): number[] {
  const h = new Array<number>(mm.maxOrder + 1).fill(0);
  for (const o of mm.stats().orders) h[o.order] = o.blocks;
  return h;
}

/** A free/used/cleared strip of the address space, merging neighbours in the same state. */
export function memoryMap(mm: Allocator, design: string, title: string): MemoryMap {
  const map = new MapBuilder(0, 'used');
  for (const b of mm.freeBlocks()) map.add(b.offset, b.offset + b.size, b.clear ? 'cleared' : 'free');
  return { title, design, unit: 'bytes', start: 0, end: mm.size, segments: map.finish(mm.size) };
}
