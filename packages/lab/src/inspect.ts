import { fragmentationIndex, unusableIndex, parseBuddyinfo, parsePagetypeinfo, parseZoneinfo, totalFreeBlocks, readVmallocinfo, type VmallocArea, type ZoneinfoZone, SkipLog } from 'kalloc';
import type { MemoryMap } from './scenario.ts';
import { MapBuilder } from './kit/memory-map.ts';
import { orderColor } from './report/palette.ts';

/**
 * What `kalloc inspect` computes from a /proc file: per zone, free memory, the largest free block
 * and the kernel's two fragmentation indices per order; for vmallocinfo, areas, sizes, the
 * largest gap and who allocated what. Plain data (JSON-serialisable), rendered by the CLI.
 */

export type ProcKind = 'buddyinfo' | 'pagetypeinfo' | 'vmallocinfo' | 'zoneinfo';

/** Which /proc file `text` is, from its content, or undefined. */
export function detectProcFile(text: string): ProcKind | undefined {
  const head = text.slice(0, 4096);
  if (/^Page block order:/m.test(head)) return 'pagetypeinfo';
  if (/^Node\s+\d+,\s+zone\s+\S+\s*$/m.test(head) && /^\s+pages free\s+\d+/m.test(head)) return 'zoneinfo';
  if (/^Node\s+\d+,\s+zone\s+\S+(\s+\d+)+\s*$/m.test(head)) return 'buddyinfo';
  if (/^0x[0-9a-f]+-0x[0-9a-f]+\s+\d+/im.test(head)) return 'vmallocinfo';
  return undefined;
}

export interface OrderFigures {
  order: number;
  freeBlocks: number;
  /** __fragmentation_index(): -1000 (would succeed), 0 (lack of memory) .. 1000 (fragmentation). */
  fragmentationIndex: number;
  /** unusable_free_index(): thousandths of free memory unusable at this order. */
  unusableIndex: number;
}

export interface ZoneReport {
  node: number;
  zone: string;
  freePages: number;
  freeBytes: number;
  /** Order of the largest free block, or -1 when nothing is free. */
  largestOrder: number;
  largestBytes: number;
  orders: OrderFigures[];
  /** pagetypeinfo only: free pages and pageblocks per migratetype. */
  freePagesByType?: Record<string, number>;
  pageblocks?: Record<string, number>;
  /** pagetypeinfo only: pages in the zone's pageblocks (free and used). */
  spanPages?: number;
}

export interface ZonesInspection {
  kind: 'buddyinfo' | 'pagetypeinfo';
  pageSize: number;
  pageblockOrder?: number;
  zones: ZoneReport[];
  skipped: ReturnType<SkipLog['byKind']>;
}

export interface CallerSummary {
  caller: string;
  areas: number;
  bytes: number;
}

export interface VmallocInspection {
  kind: 'vmallocinfo';
  hashed: boolean;
  areas: number;
  totalBytes: number;
  /** From the lowest area's start to the highest area's end. */
  spanBytes: number;
  /** The largest hole between two busy areas (0 when hashed: positions unknown). */
  largestGap: { start: number; size: number };
  byKind: { kind: string; areas: number; bytes: number }[];
  /** Callers by bytes, largest first (function name without the +offset/length). */
  byCaller: CallerSummary[];
  skipped: ReturnType<SkipLog['byKind']>;
}

/** /proc/zoneinfo: per zone its watermarks, sizes and per-CPU caches (what a replay takes). */
export interface ZoneinfoInspection {
  kind: 'zoneinfo';
  zones: ZoneinfoZone[];
  skipped: ReturnType<SkipLog['byKind']>;
}

export type Inspection = ZonesInspection | VmallocInspection | ZoneinfoInspection;

export function inspectProcFile(kind: ProcKind, text: string, pageSize = 4096): Inspection {
  const skipped = new SkipLog();
  if (kind === 'vmallocinfo') return inspectVmalloc(text, skipped);
  if (kind === 'zoneinfo') return { kind, zones: parseZoneinfo(text, skipped), skipped: skipped.byKind() };
  if (kind === 'buddyinfo') {
    const zones = parseBuddyinfo(text, skipped).map((z) => zoneReport(z.node, z.zone, z.freeBlocks, pageSize));
    return { kind, pageSize, zones, skipped: skipped.byKind() };
  }
  const info = parsePagetypeinfo(text, skipped);
  const zones = info.zones.map((z) => {
    const report = zoneReport(z.node, z.zone, totalFreeBlocks(z), pageSize);
    report.freePagesByType = Object.fromEntries(Object.entries(z.freeBlocks).map(([t, counts]) => [t, pagesOf(counts)]));
    report.pageblocks = z.pageblocks;
    const blocks = Object.values(z.pageblocks).reduce((a, b) => a + b, 0);
    if (blocks > 0 && info.pageblockOrder >= 0) report.spanPages = blocks * 2 ** info.pageblockOrder;
    return report;
  });
  return { kind, pageSize, pageblockOrder: info.pageblockOrder, zones, skipped: skipped.byKind() };
}

function pagesOf(freeBlocks: readonly number[]): number {
  return freeBlocks.reduce((sum, n, k) => sum + n * 2 ** k, 0);
}

function zoneReport(node: number, zone: string, freeBlocks: number[], pageSize: number): ZoneReport {
  const freePages = pagesOf(freeBlocks);
  let largestOrder = -1;
  freeBlocks.forEach((n, k) => {
    if (n > 0) largestOrder = k;
  });
  return {
    node,
    zone,
    freePages,
    freeBytes: freePages * pageSize,
    largestOrder,
    largestBytes: largestOrder < 0 ? 0 : 2 ** largestOrder * pageSize,
    orders: freeBlocks.map((n, order) => ({
      order,
      freeBlocks: n,
      fragmentationIndex: fragmentationIndex(freeBlocks, order),
      unusableIndex: unusableIndex(freeBlocks, order),
    })),
  };
}

function inspectVmalloc(text: string, skipped: SkipLog): VmallocInspection {
  const { areas, hashed } = readVmallocinfo(text, skipped);
  const sorted = [...areas].sort((a, b) => a.start - b.start);
  let largestGap = { start: 0, size: 0 };
  let reach = sorted[0]?.end ?? 0;
  for (const a of sorted) {
    if (!hashed && a.start - reach > largestGap.size) largestGap = { start: reach, size: a.start - reach };
    reach = Math.max(reach, a.end);
  }
  const group = (key: (a: VmallocArea) => string) => {
    const m = new Map<string, { areas: number; bytes: number }>();
    for (const a of areas) {
      const k = key(a);
      const e = m.get(k) ?? { areas: 0, bytes: 0 };
      e.areas++;
      e.bytes += a.size;
      m.set(k, e);
    }
    return [...m.entries()].sort((x, y) => y[1].bytes - x[1].bytes || x[0].localeCompare(y[0]));
  };
  return {
    kind: 'vmallocinfo',
    hashed,
    areas: areas.length,
    totalBytes: areas.reduce((s, a) => s + a.size, 0),
    spanBytes: sorted.length === 0 ? 0 : reach - sorted[0]!.start,
    largestGap,
    byKind: group((a) => a.kind || '(none)').map(([kind, v]) => ({ kind, ...v })),
    byCaller: group((a) => callerName(a)).map(([caller, v]) => ({ caller, ...v })),
    skipped: skipped.byKind(),
  };
}

/** "kernel_clone+0x94/0x3e0" -> "kernel_clone"; areas without a caller are named by kind. */
function callerName(a: VmallocArea): string {
  if (a.caller === '') return `(${a.kind || 'unknown'})`;
  return a.caller.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+.*$/i, '');
}

/**
 * vmalloc space as busy/free strips. The space has huge holes between its regions (vmalloc
 * proper, per-CPU, modules), so areas are cut into clusters at any gap larger than the total
 * busy size, one strip each, so each region stays readable.
 */
export function vmallocMaps(text: string): MemoryMap[] {
  const { areas, hashed } = readVmallocinfo(text);
  const sorted = [...areas].sort((a, b) => a.start - b.start);
  if (sorted.length === 0) return [];
  const total = sorted.reduce((s, a) => s + a.size, 0);
  const clusters: VmallocArea[][] = [[]];
  let reach = sorted[0]!.start;
  for (const a of sorted) {
    if (a.start - reach > total) clusters.push([]);
    clusters[clusters.length - 1]!.push(a);
    reach = Math.max(reach, a.end);
  }
  const title = hashed ? 'vmalloc areas (addresses hashed: laid out back to back)' : 'vmalloc space: busy areas and holes';
  return clusters.map((cluster, i) => {
    const start = cluster[0]!.start;
    const end = cluster.reduce((m, a) => Math.max(m, a.end), start);
    const map = new MapBuilder(start, 'free');
    // Areas may overlap (vmallocinfo lists each caller's area): a piece starts where the last ended.
    let at = start;
    for (const a of cluster) {
      if (a.end > at) map.add(Math.max(at, a.start), a.end, a.kind === 'unpurged' ? 'unpurged' : 'busy');
      at = Math.max(at, a.end);
    }
    const design = clusters.length === 1 ? 'vmalloc' : `region ${i + 1}`;
    return { title, design, unit: 'bytes', start, end, segments: map.finish(end) } satisfies MemoryMap;
  });
}

/**
 * A zone's free memory as a strip by order: the free pages of each order laid end to end
 * (largest blocks first), then — when the zone's size is known (pagetypeinfo) — the rest as
 * "not free". Shows at a glance how much free memory sits in small blocks.
 */
export function zoneMap(zone: ZoneReport): MemoryMap {
  const map = new MapBuilder(0, 'not free');
  let at = 0;
  for (let k = zone.orders.length - 1; k >= 0; k--) {
    const pages = zone.orders[k]!.freeBlocks * 2 ** k;
    map.add(at, at + pages, `order ${k}`);
    at += pages;
  }
  const end = Math.max(zone.spanPages ?? at, at, 1);
  const colors: Record<string, string> = {};
  const n = zone.orders.length;
  for (let k = n - 1; k >= 0; k--) colors[`order ${k}`] = orderColor(k, n);
  return { title: 'Free memory by order', design: `node ${zone.node} ${zone.zone}`, unit: 'pages', start: 0, end, segments: map.finish(end), colors };
}

// Small orders pale and warm, large orders dark blue: a fragmented zone reads as a pale strip.
