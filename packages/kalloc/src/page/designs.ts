import type { Design } from '../core/design.ts';
import { PageAllocator, type PageAllocatorOptions } from './page-allocator.ts';

/**
 * The page allocator is one family with three independent questions, each answered by a preset
 * of PageAllocator's options: which per-CPU layer, whether gigablocks steer placement, and which
 * contiguous allocator. A scenario compares the designs of one aspect on the same calls.
 */
export type PageAspect = 'pcp' | 'gigablocks' | 'contig';

export interface PageDesign extends Design<PageAllocatorOptions, PageAllocator> {
  readonly aspect: PageAspect;
  /** The options this design sets; create() applies them over the caller's. */
  readonly preset: Readonly<Partial<PageAllocatorOptions>>;
}

function preset(
  aspect: PageAspect,
  entry: Omit<PageDesign, 'aspect' | 'create' | 'preset'>,
  options: Partial<PageAllocatorOptions>,
): PageDesign {
  return { ...entry, aspect, preset: options, create: (o) => new PageAllocator({ ...o, ...options }) };
}

// Each call is marked pure so that a bundle that uses no page design drops them all: dist/ is one
// file per entry, so package.json's sideEffects: false cannot drop this module as a whole.
export const PAGE_DESIGNS: readonly PageDesign[] = [
  /* @__PURE__ */ preset('pcp', { id: 'buddy', label: 'pcp buddy', role: 'new', summary: 'per-CPU pageblock ownership, frees go home (pcp buddy RFC, 2026)' }, { pcp: 'buddy' }),
  /* @__PURE__ */ preset('pcp', { id: 'classic', label: 'classic pcp', role: 'baseline', summary: 'per-CPU page lists refilled and drained in batches under the zone lock' }, { pcp: 'classic' }),
  /* @__PURE__ */ preset('pcp', { id: 'none', label: 'no pcp', role: 'baseline', summary: 'no per-CPU cache: every call takes the zone lock' }, { pcp: 'none' }),
  /* @__PURE__ */ preset('gigablocks', { id: 'gigablocks', label: 'gigablocks', role: 'new', summary: 'per-gigablock free lists and bitmap index for reliable 1 GiB allocations (RFC, 2026)' }, { gigablocks: true }),
  /* @__PURE__ */ preset('gigablocks', { id: 'no-gigablocks', label: 'no gigablocks', role: 'baseline', summary: 'one zone-wide set of free lists' }, { gigablocks: false }),
  /* @__PURE__ */ preset('gigablocks', { id: 'gigablocks-blind', label: 'gigablocks, blind search', role: 'alternative', summary: "the same placement, gigablocks found by visiting each one's lists (the RFC's v1, 'almost blindly')" }, { gigablocks: true, gigablockSearch: 'blind' }),
  /* @__PURE__ */ preset('gigablocks', { id: 'gigablocks-untargeted', label: 'gigablocks, untargeted contig', role: 'alternative', summary: '1 GiB contiguous requests search windows lowest first instead of the clean gigablock with least to migrate' }, { gigablocks: true, contigTargeting: 'none' }),
  /* @__PURE__ */ preset('contig', { id: 'memarea', label: 'alloc_memarea', role: 'new', summary: 'contiguous ranges of any size, migrating movable pages and compacting for room' }, { contig: 'memarea' }),
  /* @__PURE__ */ preset('contig', { id: 'contig-2019', label: 'alloc_contig_pages 2019', role: 'baseline', summary: 'aligned windows that are already free, no migration (2019)' }, { contig: '2019' }),
  /* @__PURE__ */ preset('contig', { id: 'memarea-scan', label: 'memarea D6 page scan', role: 'alternative', summary: "free pages found by a page-by-page scan, no migration (Ingo Molnar's memarea-2.4.15-D6, 2001)" }, { contig: 'memarea-scan' }),
  /* @__PURE__ */ preset('contig', { id: 'memarea-freelists', label: 'memarea free-list walk', role: 'alternative', summary: 'the same free windows found from the buddy free lists, assuming buddies are coalesced (Eric Biederman, 2001)' }, { contig: 'memarea-freelists' }),
  /* @__PURE__ */ preset('contig', { id: 'temp-zone', label: 'temporary zone', role: 'alternative', summary: 'isolate a window as a zone of its own and migrate out through the normal allocator, no plan (Eric Biederman, 2001)' }, { contig: 'temp-zone' }),
];

/** The designs of one aspect, in registry order (new first). */
export function pageDesigns(aspect: PageAspect): PageDesign[] {
  return PAGE_DESIGNS.filter((d) => d.aspect === aspect);
}
