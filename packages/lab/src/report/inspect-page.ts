import { formatBytes, formatNumber } from '../format.ts';
import type { Inspection, VmallocInspection, ZoneinfoInspection, ZonesInspection } from '../inspect.ts';
import { zoneMap } from '../inspect.ts';
import { machineInfo } from '../results.ts';
import type { Chart, MemoryMap } from '../scenario.ts';
import { renderChart } from './charts.ts';
import { escapeHtml } from './escape.ts';
import { renderPage, renderTable } from './html.ts';
import { renderMemoryMaps } from './memory-map.ts';

/** The report page of `kalloc inspect --out`: the same figures as the terminal, plus maps. */
export async function renderInspectionPage(file: string, inspection: Inspection, vmallocMaps: MemoryMap[] = []): Promise<string> {
  const sections = inspection.kind === 'vmallocinfo'
    ? vmallocSections(inspection, vmallocMaps)
    : inspection.kind === 'zoneinfo' ? zoneinfoSections(inspection) : await zoneSections(inspection);
  if (inspection.skipped.length > 0) sections.push(skippedSection(inspection.skipped));
  return renderPage({
    title: `kalloc inspect: ${inspection.kind}`,
    lede: `Read from ${file}.`,
    machine: machineInfo(),
    date: new Date().toISOString(),
    sections,
  });
}

/** Index values the way the kernel's debugfs prints them ("%d.%03d"): -1 -> "-1.000". */
export function formatIndex(value: number): string {
  return value.toFixed(3);
}

export const NOTHING_TO_SHOW = 'Fragmentation index: -1.000 at every order of every zone. A free block of each order exists, so no request would fail: there is no fragmentation to show.';

/** What the two indices mean, once, wherever they are shown. */
export const INDEX_LEGEND = [
  'fragmentation index (debugfs extfrag_index): -1.000 = a free block of this order exists, the request would succeed; 0 = it would fail for lack of free memory; towards 1 = it would fail from fragmentation.',
  'unusable index (debugfs unusable_index): share of free memory in blocks too small for this order, 0 = all usable, 1 = none.',
];

async function zoneSections(inspection: ZonesInspection): Promise<string[]> {
  const sections: string[] = [];
  const points = (key: 'fragmentationIndex' | 'unusableIndex') =>
    inspection.zones.flatMap((z) => z.orders.map((o) => ({ series: `${z.node}/${z.zone}`, x: o.order, y: o[key] })));
  const charts: Chart[] = [
    { title: 'Unusable free index by order (0 = every free page usable, 1 = none)', kind: 'line', x: 'order', y: 'unusable index', points: points('unusableIndex'), yDomain: [0, 1] },
    { title: 'Fragmentation index by order (-1 = would succeed; towards 1 = fails from fragmentation)', kind: 'line', x: 'order', y: 'fragmentation index', points: points('fragmentationIndex'), yDomain: [-1, 1] },
  ];
  const chartHtml: string[] = [];
  for (const c of charts) {
    // A flat line at -1 says nothing a sentence cannot: every order would be served.
    if (c.points.length > 0 && c.points.every((p) => p.y === -1)) chartHtml.push(`<p class="no-chart">${escapeHtml(NOTHING_TO_SHOW)}</p>`);
    else chartHtml.push(await renderChart(c));
  }
  chartHtml.push(`<ul class="notes">${INDEX_LEGEND.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  sections.push(`<section class="scenario" id="overview"><h2>Zones</h2>${renderTable(
    ['zone', 'free', 'free pages', 'largest free block', ...(inspection.kind === 'pagetypeinfo' ? ['zone span'] : [])],
    inspection.zones.map((z) => [
      `node ${z.node}, ${z.zone}`,
      formatBytes(z.freeBytes),
      formatNumber(z.freePages),
      z.largestOrder < 0 ? '-' : `order ${z.largestOrder} (${formatBytes(z.largestBytes)})`,
      ...(inspection.kind === 'pagetypeinfo' ? [z.spanPages === undefined ? '-' : formatBytes(z.spanPages * inspection.pageSize)] : []),
    ]),
    [false, true, true, true, true],
  )}<h3>Charts</h3>${chartHtml.join('\n')}<h3>Memory maps</h3>${renderMemoryMaps(inspection.zones.map(zoneMap))}</section>`);
  for (const z of inspection.zones) {
    const types = z.freePagesByType
      ? `<p>Free pages by migratetype: ${escapeHtml(Object.entries(z.freePagesByType).map(([t, p]) => `${t} ${formatNumber(p)}`).join(' · '))}. Pageblocks: ${escapeHtml(Object.entries(z.pageblocks ?? {}).map(([t, n]) => `${t} ${formatNumber(n)}`).join(' · '))}.</p>`
      : '';
    sections.push(`<section class="scenario" id="zone-${z.node}-${escapeHtml(z.zone)}"><h2>Node ${z.node}, zone ${escapeHtml(z.zone)}</h2>${types}${renderTable(
      ['order', 'block size', 'free blocks', 'free', 'fragmentation index', 'unusable index'],
      z.orders.map((o) => [o.order, formatBytes(2 ** o.order * inspection.pageSize), formatNumber(o.freeBlocks), formatBytes(o.freeBlocks * 2 ** o.order * inspection.pageSize), formatIndex(o.fragmentationIndex), formatIndex(o.unusableIndex)]),
      [true, true, true, true, true, true],
    )}</section>`);
  }
  return sections;
}

function zoneinfoSections(v: ZoneinfoInspection): string[] {
  const zones = v.zones.filter((z) => z.managed > 0);
  const n = (x: number) => formatNumber(x);
  return [
    `<section class="scenario" id="zoneinfo"><h2>Zones and per-CPU caches</h2><h3>Zones</h3>${renderTable(['zone', 'managed pages', 'start pfn', 'free pages', 'min', 'low', 'high'], zones.map((z) => [`Node ${z.node} ${z.zone}`, n(z.managed), n(z.startPfn), n(z.freePages), n(z.min), n(z.low), n(z.high)]), [false, true, true, true, true, true, true])}`,
    `<h3>Per-CPU caches</h3>${renderTable(['zone', 'cpu', 'count', 'high', 'batch', 'high_min', 'high_max'], zones.flatMap((z) => z.pagesets.map((p) => [`Node ${z.node} ${z.zone}`, n(p.cpu), n(p.count), n(p.high), n(p.batch), n(p.highMin), n(p.highMax)])), [false, true, true, true, true, true, true])}</section>`,
    skippedSection(v.skipped),
  ];
}

function vmallocSections(v: VmallocInspection, maps: MemoryMap[]): string[] {
  const facts = [
    `${formatNumber(v.areas)} areas`,
    `${formatBytes(v.totalBytes)} in use`,
    v.hashed ? 'addresses hashed (read as root with kernel.kptr_restrict=1 for real positions)' : `the vmalloc range ${v.range ? `${v.range.start}-${v.range.end} ` : ''}spans ${formatBytes(v.spanBytes)}`,
    v.hashed ? '' : `largest hole ${formatBytes(v.largestGap.size)}${v.largestGap.address ? ` at ${v.largestGap.address}` : ''}`,
    v.outside ? `${formatNumber(v.outside.areas)} areas (${formatBytes(v.outside.bytes)}) above the vmalloc range (kernel image and modules) left out of the span and maps` : '',
  ].filter(Boolean);
  return [
    `<section class="scenario" id="vmalloc"><h2>vmalloc areas</h2><p>${escapeHtml(facts.join(' · '))}.</p>
<h3>By kind</h3>${renderTable(['kind', 'areas', 'bytes'], v.byKind.map((k) => [k.kind, formatNumber(k.areas), formatBytes(k.bytes)]), [false, true, true])}
<h3>By caller</h3>${renderTable(['caller', 'areas', 'bytes'], v.byCaller.map((c) => [c.caller, formatNumber(c.areas), formatBytes(c.bytes)]), [false, true, true])}
${maps.length > 0 ? `<h3>Memory maps</h3>${renderMemoryMaps(maps)}` : ''}</section>`,
  ];
}

function skippedSection(skipped: Inspection['skipped']): string {
  return `<section class="scenario skips"><h2>Skipped lines</h2>${renderTable(
    ['kind', 'count', 'first lines'],
    skipped.map((k) => [k.kind, k.count, k.examples.map((e) => `${e.line}: ${e.text}`).join('\n')]),
    [false, true, false],
  )}</section>`;
}
