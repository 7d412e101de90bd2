import { SkipLog } from './skips.ts';

/** One CPU's per-CPU page cache of a zone (struct per_cpu_pages), as /proc/zoneinfo prints it. */
export interface ZoneinfoPageset {
  cpu: number;
  /** Pages cached at the time of the snapshot. */
  count: number;
  /** The current high (auto-tuned between highMin and highMax) and the refill/drain batch. */
  high: number;
  batch: number;
  /** Bounds of the automatic tuning (kernels since 6.7); equal when pinned by
   *  vm.percpu_pagelist_high_fraction. Absent on older kernels: then both are `high`. */
  highMin: number;
  highMax: number;
}

/** One zone of /proc/zoneinfo: its watermarks, sizes and per-CPU caches. */
export interface ZoneinfoZone {
  node: number;
  zone: string;
  /** Free pages in the zone's buddy lists (pages free). */
  freePages: number;
  /** Watermarks in pages (min, low, high). */
  min: number;
  low: number;
  high: number;
  spanned: number;
  present: number;
  managed: number;
  /** The zone's first pfn (start_pfn), or -1 when not printed. */
  startPfn: number;
  pagesets: ZoneinfoPageset[];
}

// mm/vmstat.c zoneinfo_show_print(): "Node %d, zone %8s", "  pages free     %lu", then
// "        %-12s %lu" for boost/min/low/high/promo/spanned/present/managed/cma, the vm stats,
// "  pagesets", per CPU "    cpu: %i" and "              %-8s %i" lines (count, high, batch,
// high_min, high_max), and "  start_pfn:           %lu".
const ZONE = /^Node\s+(\d+),\s+zone\s+(\S+)\s*$/;
const FIELD = /^\s+(pages free|[a-z_]+):?\s+(-?\d+)\s*$/;
const CPU = /^\s+cpu:\s+(\d+)\s*$/;
const ZONE_FIELDS = { 'pages free': 'freePages', min: 'min', low: 'low', high: 'high', spanned: 'spanned', present: 'present', managed: 'managed', start_pfn: 'startPfn' } as const;
const PAGESET_FIELDS = { count: 'count', high: 'high', batch: 'batch', high_min: 'highMin', high_max: 'highMax' } as const;

/**
 * Parses /proc/zoneinfo: per zone the free pages, watermarks, sizes and each CPU's pageset.
 * Per-node statistics, vm counters and other lines are passed over; a file with no zone header
 * gives no zones, and a number that does not parse is counted in `skipped`.
 */
export function parseZoneinfo(text: string, skipped = new SkipLog()): ZoneinfoZone[] {
  const zones: ZoneinfoZone[] = [];
  let zone: ZoneinfoZone | undefined;
  let pageset: ZoneinfoPageset | undefined;
  text.split('\n').forEach((line, i) => {
    const z = ZONE.exec(line);
    if (z) {
      zone = { node: Number(z[1]), zone: z[2]!, freePages: 0, min: 0, low: 0, high: 0, spanned: 0, present: 0, managed: 0, startPfn: -1, pagesets: [] };
      zones.push(zone);
      pageset = undefined;
      return;
    }
    if (!zone) return;
    const c = CPU.exec(line);
    if (c) {
      pageset = { cpu: Number(c[1]), count: 0, high: 0, batch: 0, highMin: -1, highMax: -1 };
      zone.pagesets.push(pageset);
      return;
    }
    const f = FIELD.exec(line);
    if (!f) return;
    const [key, value] = [f[1]!, Number(f[2])];
    if (!Number.isSafeInteger(value)) {
      skipped.add('zoneinfo number out of range', i + 1, line);
      return;
    }
    // Pageset lines are indented deeper than the zone's own fields (14 spaces against 8).
    if (pageset && key in PAGESET_FIELDS && line.startsWith('            ')) {
      pageset[PAGESET_FIELDS[key as keyof typeof PAGESET_FIELDS]] = value;
    } else if (key in ZONE_FIELDS && (key !== 'high' || !pageset)) {
      zone[ZONE_FIELDS[key as keyof typeof ZONE_FIELDS]] = value;
      if (key === 'start_pfn') pageset = undefined;
    }
  });
  for (const z of zones) {
    for (const p of z.pagesets) {
      if (p.highMin < 0) p.highMin = p.high;
      if (p.highMax < 0) p.highMax = p.high;
    }
  }
  return zones;
}
