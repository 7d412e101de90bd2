import { textLines } from './lines.ts';
import { SkipLog } from './skips.ts';

/** /proc/pagetypeinfo: free blocks per order and pageblock counts, per zone and migratetype. */
export interface Pagetypeinfo {
  pageblockOrder: number;
  zones: PagetypeinfoZone[];
}

export interface PagetypeinfoZone {
  node: number;
  zone: string;
  /** Migratetype (lower case: unmovable, movable, reclaimable, highatomic, cma, isolate) ->
   *  free blocks per order. The kernel caps a count at 100000 (printed ">100000"); read as 100000. */
  freeBlocks: Record<string, number[]>;
  /** Migratetype -> pageblocks of that type. */
  pageblocks: Record<string, number>;
}

// mm/vmstat.c pagetypeinfo_show():
//   "Page block order: %d"
//   "Free pages count per migrate type at order" + "%6d " per order
//   "Node %4d, zone %8s, type %12s " + "%s%6lu " per order  (">" when capped)
//   "Number of blocks type " + "%12s " per type, then "Node %d, zone %8s " + "%12lu " per type
//   optionally "Number of mixed blocks " (page_owner) in the same layout, which is not read.
const ORDER = /^Page block order:\s*(\d+)/;
const FREE = /^Node\s+(\d+),\s+zone\s+(\S+),\s+type\s+(\S+)((?:\s+>?\d+)+)\s*$/;
const BLOCKS_HEAD = /^Number of blocks type\s+(.*)$/;
const MIXED_HEAD = /^Number of mixed blocks/;
const COUNTS = /^Node\s+(\d+),\s+zone\s+(\S+)((?:\s+\d+)+)\s*$/;
const IGNORED = /^(Pages per block:|Free pages count per migrate type)/;

/** Parses /proc/pagetypeinfo. Unknown lines are counted in `skipped`. */
export function parsePagetypeinfo(text: string, skipped = new SkipLog()): Pagetypeinfo {
  let pageblockOrder = -1;
  const zones = new Map<string, PagetypeinfoZone>();
  const zoneOf = (node: number, zone: string): PagetypeinfoZone => {
    const key = `${node}/${zone}`;
    let z = zones.get(key);
    if (!z) zones.set(key, (z = { node, zone, freeBlocks: {}, pageblocks: {} }));
    return z;
  };
  let section: 'free' | 'blocks' | 'mixed' = 'free';
  let blockTypes: string[] = [];
  textLines(text).forEach((line, i) => {
    if (line.trim() === '' || IGNORED.test(line)) return;
    let m: RegExpExecArray | null;
    if ((m = ORDER.exec(line))) {
      pageblockOrder = Number(m[1]);
    } else if ((m = FREE.exec(line))) {
      const counts = m[4]!.trim().split(/\s+/).map((t) => Number(t.replace('>', '')));
      zoneOf(Number(m[1]), m[2]!).freeBlocks[m[3]!.toLowerCase()] = counts;
    } else if ((m = BLOCKS_HEAD.exec(line))) {
      section = 'blocks';
      blockTypes = m[1]!.trim().split(/\s+/).map((t) => t.toLowerCase());
    } else if (MIXED_HEAD.test(line)) {
      section = 'mixed';
    } else if ((m = COUNTS.exec(line)) && section !== 'free') {
      if (section === 'mixed') return;
      const counts = m[3]!.trim().split(/\s+/).map(Number);
      const z = zoneOf(Number(m[1]), m[2]!);
      blockTypes.forEach((type, k) => {
        if (counts[k] !== undefined) z.pageblocks[type] = counts[k];
      });
    } else {
      skipped.add('not a pagetypeinfo line', i + 1, line);
    }
  });
  return { pageblockOrder, zones: [...zones.values()] };
}

/** A zone's free blocks per order summed over migratetypes (what /proc/buddyinfo shows). */
export function totalFreeBlocks(zone: PagetypeinfoZone): number[] {
  const total: number[] = [];
  for (const counts of Object.values(zone.freeBlocks)) {
    counts.forEach((n, k) => (total[k] = (total[k] ?? 0) + n));
  }
  return total;
}
