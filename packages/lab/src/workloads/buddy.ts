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
/** A new allocator of the registry design labelled `design`. */
export function make(design: string, size: number): Allocator {
  const d = BUDDY_DESIGNS.find((x) => x.label === design);
  if (d === undefined) throw new Error(`no buddy design labelled ${design}`);
  return d.create({ size });
}

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

/**
 * A free/used/cleared strip of the address space, merging neighbours in the same state. Cleared
 * is every cleared free byte (clearExtents, which add up to clearAvail), so the map agrees with
 * the cleared bytes a table reports: in the unified design a free block may be partly cleared.
 */
export function memoryMap(mm: Allocator, design: string, title: string): MemoryMap {
  const map = new MapBuilder(0, 'used');
  const cleared = mm.clearExtents();
  let c = cleared.next();
  for (const b of mm.freeBlocks()) {
    const end = b.offset + b.size;
    let at = b.offset;
    while (at < end) {
      while (!c.done && c.value.end <= at) c = cleared.next();
      const piece = c.done || c.value.start >= end ? undefined : c.value;
      if (piece === undefined) {
        map.add(at, end, 'free');
        break;
      }
      if (piece.start > at) map.add(at, piece.start, 'free');
      const to = Math.min(end, piece.end);
      map.add(Math.max(at, piece.start), to, 'cleared');
      at = to;
    }
  }
  return { title, design, unit: 'bytes', start: 0, end: mm.size, segments: map.finish(mm.size) };
}
