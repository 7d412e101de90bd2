import { KallocError } from 'kalloc';
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
  /** __fragmentation_index() in the unit the kernel prints it (debugfs extfrag_index, "%d.%03d"):
   *  -1 (a free block this large exists: the request would succeed), 0 (fails for lack of
   *  memory) .. 1 (fails from fragmentation). */
  fragmentationIndex: number;
  /** unusable_free_index() as debugfs unusable_index prints it: the share (0..1) of free memory
   *  in blocks too small for this order. */
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
  /** From the lowest area's start to the highest area's end, in the vmalloc range. */
  spanBytes: number;
  /** The vmalloc range's lowest start and highest end as kernel addresses (absent when hashed). */
  range?: { start: string; end: string };
  /** Areas above the vmalloc range (x86-64: the kernel image and module mapping), left out of
   *  the span, the holes and the maps. */
  outside?: { areas: number; bytes: number };
  /** The largest hole between two busy areas (0 when hashed: positions unknown); `address` is
   *  its kernel address. */
  largestGap: { start: number; size: number; address?: string };
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
      fragmentationIndex: fragmentationIndex(freeBlocks, order) / 1000,
      unusableIndex: unusableIndex(freeBlocks, order) / 1000,
    })),
  };
}

/** x86-64's __START_KERNEL_map: at and above it lie the kernel image and the modules, not vmalloc. */
const KERNEL_MAP = 0xffffffff80000000n;

/** A vmallocinfo's areas split into the vmalloc range and those above it (modules). */
function splitVmallocRange(text: string, skipped?: SkipLog): { areas: VmallocArea[]; inRange: VmallocArea[]; outside: VmallocArea[]; hashed: boolean; base?: bigint } {
  const { areas, hashed, base } = readVmallocinfo(text, skipped);
  if (base === undefined) return { areas, inRange: areas, outside: [], hashed };
  const above = (a: VmallocArea) => base + BigInt(a.start) >= KERNEL_MAP;
  return { areas, inRange: areas.filter((a) => !above(a)), outside: areas.filter(above), hashed, base };
}

const hex = (base: bigint, offset: number) => `0x${(base + BigInt(offset)).toString(16)}`;

function inspectVmalloc(text: string, skipped: SkipLog): VmallocInspection {
  const { areas, inRange, outside, hashed, base } = splitVmallocRange(text, skipped);
  const sorted = [...inRange].sort((a, b) => a.start - b.start);
  let largestGap: VmallocInspection['largestGap'] = { start: 0, size: 0 };
  let reach = sorted[0]?.end ?? 0;
  for (const a of sorted) {
    if (!hashed && a.start - reach > largestGap.size) largestGap = { start: reach, size: a.start - reach };
    reach = Math.max(reach, a.end);
  }
  if (base !== undefined && largestGap.size > 0) largestGap.address = hex(base, largestGap.start);
  const range = base !== undefined && sorted.length > 0 ? { start: hex(base, sorted[0]!.start), end: hex(base, reach) } : undefined;
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
    ...(range ? { range } : {}),
    ...(outside.length > 0 ? { outside: { areas: outside.length, bytes: outside.reduce((n, a) => n + a.size, 0) } } : {}),
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
  const { inRange, hashed, base } = splitVmallocRange(text);
  const sorted = [...inRange].sort((a, b) => a.start - b.start);
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
    return { title, design, unit: 'bytes', start, end, segments: map.finish(end), ...(base === undefined ? {} : { origin: `0x${base.toString(16)}` }) } satisfies MemoryMap;
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

/** Two snapshots of the same /proc file, before and after: what changed. */
export type Comparison = ZonesComparison | VmallocComparison;

export interface ZoneChange {
  node: number;
  zone: string;
  freePages: [number, number];
  largestOrder: [number, number];
  /** Per order: free blocks and the fragmentation index, before and after. */
  orders: { order: number; freeBlocks: [number, number]; fragmentationIndex: [number, number] }[];
  /** pagetypeinfo: pageblocks per migratetype, before and after. */
  pageblocks?: Record<string, [number, number]>;
}

export interface ZonesComparison {
  kind: 'buddyinfo' | 'pagetypeinfo';
  zones: ZoneChange[];
  /** Zones in only one of the snapshots, as "node 0 Normal". */
  onlyBefore: string[];
  onlyAfter: string[];
}

export interface CallerChange {
  caller: string;
  areas: [number, number];
  bytes: [number, number];
}

export interface VmallocComparison {
  kind: 'vmallocinfo';
  areas: [number, number];
  totalBytes: [number, number];
  /** Callers whose areas changed, by the size of the change in bytes, largest first. */
  byCaller: CallerChange[];
}

/** Compares two inspections of the same kind of file (EINVAL when the kinds differ, or for zoneinfo). */
export function compareInspections(before: Inspection, after: Inspection): Comparison {
  if (before.kind !== after.kind) throw new KallocError('EINVAL', `inspect: the snapshots are of different files (${before.kind} and ${after.kind}): compare two snapshots of the same /proc file`);
  if (before.kind === 'zoneinfo') throw new KallocError('EINVAL', 'inspect: two /proc/zoneinfo snapshots are not compared (buddyinfo, pagetypeinfo and vmallocinfo are): inspect each one');
  if (before.kind === 'vmallocinfo' && after.kind === 'vmallocinfo') return compareVmalloc(before, after);
  return compareZones(before as ZonesInspection, after as ZonesInspection);
}

function compareZones(before: ZonesInspection, after: ZonesInspection): ZonesComparison {
  const key = (z: ZoneReport) => `node ${z.node} ${z.zone}`;
  const earlier = new Map(before.zones.map((z) => [key(z), z]));
  const zones: ZoneChange[] = [];
  for (const b of after.zones) {
    const a = earlier.get(key(b));
    if (!a) continue;
    const orders = Math.max(a.orders.length, b.orders.length);
    const pair = <T>(x: T, y: T): [T, T] => [x, y];
    const types = [...new Set([...Object.keys(a.pageblocks ?? {}), ...Object.keys(b.pageblocks ?? {})])];
    zones.push({
      node: b.node,
      zone: b.zone,
      freePages: [a.freePages, b.freePages],
      largestOrder: [a.largestOrder, b.largestOrder],
      orders: Array.from({ length: orders }, (_, k) => ({
        order: k,
        freeBlocks: pair(a.orders[k]?.freeBlocks ?? 0, b.orders[k]?.freeBlocks ?? 0),
        fragmentationIndex: pair(a.orders[k]?.fragmentationIndex ?? 0, b.orders[k]?.fragmentationIndex ?? 0),
      })),
      ...(types.length > 0 ? { pageblocks: Object.fromEntries(types.map((t) => [t, pair(a.pageblocks?.[t] ?? 0, b.pageblocks?.[t] ?? 0)])) } : {}),
    });
  }
  const afterKeys = new Set(after.zones.map(key));
  return {
    kind: after.kind,
    zones,
    onlyBefore: before.zones.map(key).filter((k) => !afterKeys.has(k)),
    onlyAfter: after.zones.map(key).filter((k) => !earlier.has(k)),
  };
}

function compareVmalloc(before: VmallocInspection, after: VmallocInspection): VmallocComparison {
  const callers = new Map<string, CallerChange>();
  const entry = (caller: string) => callers.get(caller) ?? callers.set(caller, { caller, areas: [0, 0], bytes: [0, 0] }).get(caller)!;
  for (const c of before.byCaller) Object.assign(entry(c.caller), { areas: [c.areas, 0], bytes: [c.bytes, 0] });
  for (const c of after.byCaller) {
    const e = entry(c.caller);
    e.areas[1] = c.areas;
    e.bytes[1] = c.bytes;
  }
  const changed = [...callers.values()].filter((c) => c.areas[0] !== c.areas[1] || c.bytes[0] !== c.bytes[1]);
  changed.sort((x, y) => Math.abs(y.bytes[1] - y.bytes[0]) - Math.abs(x.bytes[1] - x.bytes[0]) || x.caller.localeCompare(y.caller));
  return { kind: 'vmallocinfo', areas: [before.areas, after.areas], totalBytes: [before.totalBytes, after.totalBytes], byCaller: changed };
}
