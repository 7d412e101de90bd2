import { textLines } from './lines.ts';
import { SkipLog } from './skips.ts';

/** One line of /proc/buddyinfo: free blocks per order of one zone. */
export interface BuddyinfoZone {
  node: number;
  zone: string;
  /** freeBlocks[k] = free blocks of order k (free_area[k].nr_free). */
  freeBlocks: number[];
}

// mm/vmstat.c frag_show_print(): "Node %d, zone %8s " then "%6lu " per order.
const LINE = /^Node\s+(\d+),\s+zone\s+(\S+)((?:\s+\d+)+)\s*$/;

/** Parses /proc/buddyinfo. Lines that are not zone lines are counted in `skipped`. */
export function parseBuddyinfo(text: string, skipped = new SkipLog()): BuddyinfoZone[] {
  const zones: BuddyinfoZone[] = [];
  textLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = LINE.exec(line);
    if (!m) {
      skipped.add('not a buddyinfo zone line', i + 1, line);
      return;
    }
    zones.push({ node: Number(m[1]), zone: m[2]!, freeBlocks: m[3]!.trim().split(/\s+/).map(Number) });
  });
  return zones;
}
