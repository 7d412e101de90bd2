import type { MigrateHook } from '../compaction.ts';
import { type ContigRequest, type ContigResult } from '../contig.ts';
import { type GigablockIndex } from './index.ts';
import type { GigablockPolicy } from './policy.ts';
import type { Zone } from '../zone.ts';
/**
 * Contiguous allocation with gigablocks (the RFC's v2 17/40, through the index): a request for
 * exactly one gigablock (nrPages = align = 2^gigablockOrder, offset 0) tries the clean whole
 * gigablocks inside [start, end) first, emptiest first — a wholly free one needs no migration,
 * the next fewest — each as the single window of allocContigRange (judged by its pageblock
 * counters, its movable blocks migrated out, taken whole). Only when none can be cleared does it
 * search the whole window range as without gigablocks, so it fails exactly when that would.
 * Every other request goes straight to allocContigRange.
 */
export declare function allocContigGigablocks(zone: Zone, index: GigablockIndex, policy: GigablockPolicy, migrate: MigrateHook | undefined, req: ContigRequest): ContigResult;
