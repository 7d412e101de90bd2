import { requireInt } from '../core/validate.ts';

/**
 * What the 2019 baseline needs from a zone, and nothing else: whether a pfn range is entirely
 * free, and taking a free range as one contiguous allocation (freed with freeContig).
 * PageAllocator.freeRanges implements it.
 */
export interface FreeRangeView {
  readonly pages: number;
  /** The first page in [from, to) that is not free, or -1. */
  firstUsedPage(from: number, to: number): number;
  /** Takes the free pages [pfn, pfn + nrPages) as one contiguous allocation. */
  takeFreeRange(pfn: number, nrPages: number): void;
}

/**
 * alloc_contig_pages() as merged in 2019 (Anshuman Khandual / Mike Kravetz): candidate windows
 * aligned to nrPages and stepped by nrPages from the zone start; a window is taken only when
 * pfn_range_valid_contig() finds every page unused (page_count == 0) — no migration. Returns
 * the first pfn, or undefined.
 */
export function allocContigPages2019(zone: FreeRangeView, nrPages: number): number | undefined {
  requireInt('nrPages', nrPages, 1, zone.pages);
  for (let pfn = 0; pfn + nrPages <= zone.pages; pfn += nrPages) {
    if (zone.firstUsedPage(pfn, pfn + nrPages) < 0) {
      zone.takeFreeRange(pfn, nrPages);
      return pfn;
    }
  }
  return undefined;
}
