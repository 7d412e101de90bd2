import { requireInt } from "../core/validate.js";
/**
 * alloc_contig_pages() as merged in 2019 (Anshuman Khandual / Mike Kravetz): candidate windows
 * aligned to nrPages and stepped by nrPages from the zone start; a window is taken only when
 * pfn_range_valid_contig() finds every page unused (page_count == 0) — no migration. Returns
 * the first pfn, or undefined.
 */
export function allocContigPages2019(zone, nrPages) {
    requireInt('nrPages', nrPages, 1, zone.pages);
    for (let pfn = 0; pfn + nrPages <= zone.pages; pfn += nrPages) {
        if (zone.firstUsedPage(pfn, pfn + nrPages) < 0) {
            zone.takeFreeRange(pfn, nrPages);
            return pfn;
        }
    }
    return undefined;
}
//# sourceMappingURL=contig-2019.js.map