import { invalid } from 'kalloc/internal';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import type { PcpDesign, SkipLog } from 'kalloc';
import type { ScenarioResult } from '../results.ts';
import { advantage } from '../table.ts';
import type { Chart, MetricInfo } from '../scenario.ts';
import type { CompactTrace } from './compact-trace.ts';
import { PAGE_DESIGNS, replayPages, type PageReplay, type PcpTuningOption } from './pages.ts';
import type { ProgressFn } from './stopwatch.ts';
import { replayVmap, VMAP_DESIGNS, type VmapReplay } from './vmap.ts';

export { loadTrace, type CompactTrace } from './compact-trace.ts';
export { replayPages, modelPages, PAGE_DESIGNS, type PageReplay, type PcpTuningOption } from './pages.ts';
export { replayVmap, VMAP_DESIGNS, type VmapReplay } from './vmap.ts';

/**
 * Replay of a decoded trace on the designs, as ScenarioResults, so the terminal table and the
 * HTML report render a replay exactly like a lab scenario.
 */

export const KERNEL = 'kernel (traced)';
const DEFAULT_VMAP = ['tree', 'linear'];
const DEFAULT_PAGE: PcpDesign[] = ['buddy', 'classic', 'none'];

export interface DesignChoice {
  vmap: string[];
  page: PcpDesign[];
}

/** Splits `--design a,b` into the vmalloc and page families; either defaults when not named. */
export function chooseDesigns(list?: string[]): DesignChoice {
  if (!list || list.length === 0) return { vmap: DEFAULT_VMAP, page: DEFAULT_PAGE };
  const known = [...Object.keys(VMAP_DESIGNS), ...Object.keys(PAGE_DESIGNS)];
  for (const d of list) if (!known.includes(d)) throw invalid('--design', d, `unknown design (known: ${known.join(', ')})`);
  const vmap = list.filter((d) => d in VMAP_DESIGNS);
  const page = list.filter((d): d is PcpDesign => d in PAGE_DESIGNS);
  return { vmap: vmap.length > 0 ? vmap : DEFAULT_VMAP, page: page.length > 0 ? page : DEFAULT_PAGE };
}

export interface ReplayContext {
  file: string;
  format: string;
  command: string;
  skipped: SkipLog;
  progress?: ProgressFn;
  /** high/batch of the per-CPU caches (the traced machine's); default: PageAllocator's. */
  pcp?: PcpTuningOption;
}

/** Runs both families that the trace has events for. */
export function replayTrace(trace: CompactTrace, designs: DesignChoice, ctx: ReplayContext): ScenarioResult[] {
  const out: ScenarioResult[] = [];
  if (trace.vmap.count > 0) {
    const t0 = performance.now();
    const runs = designs.vmap.map((d) => replayVmap(trace.vmap, d, ctx.progress));
    out.push(vmapResult(trace, runs, ctx, (performance.now() - t0) / 1000));
  }
  if (trace.pages.count > 0) {
    const t0 = performance.now();
    const runs = designs.page.map((d) => replayPages(trace.pages, d, ctx.progress, ctx.pcp));
    out.push(pageResult(trace, runs, ctx, (performance.now() - t0) / 1000));
  }
  return out;
}

function describeTrace(trace: CompactTrace, ctx: ReplayContext): string {
  const total = Object.values(trace.counts).reduce((a, b) => a + b, 0);
  const seconds = trace.lastTime - trace.firstTime;
  return `${ctx.file} (${ctx.format}): ${formatNumber(total)} events over ${formatNumber(seconds, 2)} s of trace`;
}

function skippedNotes(ctx: ReplayContext): string[] {
  if (ctx.skipped.total === 0) return [];
  return [`${formatNumber(ctx.skipped.total)} trace lines skipped: ${ctx.skipped.describe().join('; ')}`];
}

function cumulativeChart(title: string, runs: { design: string; curve: { ops: number; ms: number }[] }[]): Chart {
  return {
    title,
    kind: 'line',
    x: 'operations replayed',
    y: 'cumulative time (ms)',
    points: runs.flatMap((r) => [{ series: r.design, x: 0, y: 0 }, ...r.curve.map((p) => ({ series: r.design, x: p.ops, y: p.ms }))]),
  };
}

const nsPerOp = (ms: number, ops: number) => (ops === 0 ? 0 : (ms * 1e6) / ops);

function vmapResult(trace: CompactTrace, runs: VmapReplay[], ctx: ReplayContext, seconds: number): ScenarioResult {
  const metrics: Record<string, MetricInfo> = {
    'ns/op at kernel addresses': { unit: 'ns', better: 'lower', description: 'allocAt(traced address) and free per traced event' },
    'ns/op own placement': { unit: 'ns', better: 'lower', description: "the design's own alloc(size, align) and free per traced event" },
    'own address = kernel address': { unit: '%', description: "how often the design's own choice was the kernel's address" },
    'kernel address already busy': { unit: 'areas', description: 'traced allocations that overlapped a live area in the replay (a lost free)' },
    'free areas at end': { unit: 'areas' },
    'largest free at end': { unit: 'bytes' },
  };
  const figures: ScenarioResult['figures'] = {};
  for (const r of runs) {
    figures[r.design] = {
      'ns/op at kernel addresses': nsPerOp(r.atKernel.ms, r.ops),
      'ns/op own placement': nsPerOp(r.own.ms, r.ops),
      'own address = kernel address': r.own.allocs === 0 ? 0 : (100 * r.own.sameAddress) / r.own.allocs,
      'kernel address already busy': r.atKernel.conflicts,
      'free areas at end': r.end.freeAreas,
      'largest free at end': r.end.largestFree,
    };
  }
  const designs = runs.map((r) => r.design);
  const result: ScenarioResult = {
    name: 'replay-vmalloc',
    claim: `${designs[0]} replays the traced vmalloc allocations and frees faster than ${designs[1] ?? 'its baseline'}, holding the kernel's exact layout`,
    met: false,
    figures,
    title: 'vmalloc trace replay',
    verdict: '',
    designs,
    metrics,
    parameters: `${describeTrace(trace, ctx)}; ${formatNumber(trace.vmap.count)} vmap operations reaching ${formatBytes(trace.vmap.maxEnd)} into the vmalloc space`,
    command: ctx.command,
    seconds,
    charts: [cumulativeChart('vmalloc replay at the kernel addresses: cumulative time', runs.map((r) => ({ design: r.design, curve: r.atKernel.curve })))],
    maps: runs.map((r) => r.map),
    notes: [
      ...runs.map((r) => `${r.design}: ${VMAP_DESIGNS[r.design]!.label}: ${VMAP_DESIGNS[r.design]!.summary}`),
      "Own placement starts from an empty space, while the kernel's space already held the areas allocated before the trace began, so the designs' own addresses start lower than the kernel's.",
      ...(trace.failedVmapAllocs > 0 ? [`${trace.failedVmapAllocs} allocations failed in the kernel and were not replayed`] : []),
      ...(trace.vmapOutside > 0 ? [`${trace.vmapOutside} events below the first vstart (another region) were not replayed`] : []),
      ...(runs[0] && runs[0].atKernel.unknownFrees > 0 ? [`${runs[0].atKernel.unknownFrees} frees of areas allocated before the trace began were skipped`] : []),
      ...(trace.vmap.count < 1000 ? [`only ${trace.vmap.count} vmap operations: too few for the timings to mean much`] : []),
      ...skippedNotes(ctx),
    ],
  };
  const ratio = designs.length >= 2 ? advantage(result, 'ns/op at kernel addresses') : undefined;
  result.met = ratio !== undefined && ratio > 1;
  const a = figures[designs[0]!]!;
  result.verdict = ratio === undefined
    ? `only one design replayed: ${formatNumber(a['ns/op at kernel addresses']!)} ns/op`
    : `${designs[0]} ${formatNumber(a['ns/op at kernel addresses']!)} ns/op vs ${designs[1]} ${formatNumber(figures[designs[1]!]!['ns/op at kernel addresses']!)} ns/op at the kernel's addresses: ${formatRatio(ratio)} ${ratio > 1 ? '> 1x' : '<= 1x'} over ${formatNumber(trace.vmap.count)} operations`;
  return result;
}

/** The page replay's figures (the pcp-trace scenario shows the same). */
export const PAGE_REPLAY_METRICS: Record<string, MetricInfo> = {
  'zone lock acquisitions': { unit: '', better: 'lower', description: 'times the model took zone->lock (kernel: runs of mm_page_alloc_zone_locked / mm_page_pcpu_drain events on one CPU, one per refill or drain)' },
  'pages moved under zone lock': { unit: 'pages', better: 'lower', description: 'pages allocated or freed while holding zone->lock (kernel: mm_page_alloc_zone_locked + mm_page_pcpu_drain)' },
  'merges under zone lock': { unit: '', better: 'lower', description: 'buddy merges done by the zone while taking pages back' },
  'merges under CPU lock': { unit: '', description: "buddy merges done on a CPU's own cache (pcp buddy)" },
  'remote frees': { unit: '', description: 'frees routed to the owning CPU (pcp buddy)' },
  'ns/op': { unit: 'ns', better: 'lower', description: 'replay time per traced page event' },
  'failed allocations': { unit: '', better: 'lower' },
};

function pageResult(trace: CompactTrace, runs: PageReplay[], ctx: ReplayContext, seconds: number): ScenarioResult {
  const ran = runs.filter((r) => !r.unavailable);
  const figures: ScenarioResult['figures'] = {};
  for (const r of ran) {
    figures[r.design] = {
      'zone lock acquisitions': r.zoneLock.acquisitions,
      'pages moved under zone lock': r.zoneLock.pagesMoved,
      'merges under zone lock': r.pcp?.zoneMerges ?? 0,
      'merges under CPU lock': r.pcp?.cpuMerges ?? 0,
      'remote frees': r.pcp?.remoteFrees ?? 0,
      'ns/op': nsPerOp(r.ms, r.ops),
      'failed allocations': r.failedAllocs,
    };
  }
  const k = trace.kernel;
  figures[KERNEL] = { 'pages moved under zone lock': k.zoneLockedPages + k.drainedPages };
  if (k.zoneLockedEvents + k.drainedEvents > 0) figures[KERNEL]['zone lock acquisitions'] = k.zoneLockedBatches + k.drainedBatches;
  const designs = [...ran.map((r) => r.design), KERNEL];
  const first = ran[0];
  const result: ScenarioResult = {
    name: 'replay-pages',
    claim: `${runs[0]?.design ?? 'the new design'} takes zone->lock fewer times than ${runs[1]?.design ?? 'its baseline'} on the traced page allocations and frees`,
    met: false,
    figures,
    title: 'Page allocator trace replay',
    verdict: '',
    designs,
    metrics: PAGE_REPLAY_METRICS,
    parameters: `${describeTrace(trace, ctx)}; ${formatNumber(trace.pages.count)} page allocations and frees on ${trace.pages.cpus} CPUs, model zone of ${formatNumber(first?.pages ?? 0)} pages`,
    command: ctx.command,
    seconds,
    charts: ran.length > 0 ? [cumulativeChart('Page replay: cumulative time', ran)] : [],
    maps: ran.flatMap((r) => (r.map ? [r.map] : [])),
    notes: [
      ...runs.map((r) => `${r.design}: ${PAGE_DESIGNS[r.design as PcpDesign]}${r.unavailable ? ` — not available: ${r.unavailable}` : ''}`),
      ...(first ? replayNotes(first) : []),
      `${KERNEL}: what the traced kernel did itself (${formatNumber(k.zoneLockedEvents)} mm_page_alloc_zone_locked events in ${formatNumber(k.zoneLockedBatches)} refills, ${formatNumber(k.drainedEvents)} mm_page_pcpu_drain events in ${formatNumber(k.drainedBatches)} drains); frees of orders the CPUs do not cache take the lock without an event, so its count is a lower bound`,
      ...kernelComparison(trace, ran, figures),
      ...skippedNotes(ctx),
    ],
  };
  const wanted = runs.slice(0, 2);
  const missing = wanted.filter((r) => r.unavailable);
  if (wanted.length < 2 || missing.length > 0) {
    result.verdict = wanted.length < 2
      ? 'only one design chosen: nothing to compare'
      : `cannot compare: ${missing.map((r) => `${r.design} is not available (${r.unavailable})`).join('; ')}`;
    return result;
  }
  const ratio = advantage(result, 'zone lock acquisitions');
  const [a, b] = wanted.map((r) => r.zoneLock.acquisitions);
  result.met = ratio !== undefined && ratio > 1;
  result.verdict = `${wanted[0]!.design} took zone->lock ${formatNumber(a!)} times, ${wanted[1]!.design} ${formatNumber(b!)}: ${ratio === undefined ? '-' : formatRatio(ratio)} fewer`;
  return result;
}

/** How close the classic model comes to the traced kernel's own zone-lock figures. */
function kernelComparison(trace: CompactTrace, ran: PageReplay[], figures: ScenarioResult['figures']): string[] {
  const kernel = figures[KERNEL]!;
  const classic = ran.find((r) => r.design === 'classic');
  if (!classic?.pcp || kernel['zone lock acquisitions'] === undefined) return [];
  const k = trace.kernel;
  const ratio = (model: number, traced: number) => (traced === 0 ? '-' : `${formatNumber(model / traced)}x`);
  const perBatch = (pages: number, batches: number) => formatNumber(batches === 0 ? 0 : pages / batches, 0);
  return [
    `classic model vs the traced kernel: ${formatNumber(classic.zoneLock.acquisitions)} vs ${formatNumber(kernel['zone lock acquisitions'])} zone-lock acquisitions (${ratio(classic.zoneLock.acquisitions, kernel['zone lock acquisitions'])}), ` +
      `${formatNumber(classic.zoneLock.pagesMoved)} vs ${formatNumber(kernel['pages moved under zone lock']!)} pages under the lock (${ratio(classic.zoneLock.pagesMoved, kernel['pages moved under zone lock']!)}). ` +
      `Not exact: the kernel's batches scale (its refills averaged ${perBatch(k.zoneLockedPages, k.zoneLockedBatches)} pages and its drains ${perBatch(k.drainedPages, k.drainedBatches)}, the model's are ${classic.pcp.batch}); ` +
      "the model starts with empty caches while the kernel's already held pages; frees of pages allocated before the trace are skipped by the model but filled the kernel's caches and were drained; " +
      'and the model has no watermarks or high auto-tuning and places pages itself instead of at the traced pfns.',
  ];
}

function replayNotes(r: PageReplay): string[] {
  const notes: string[] = [];
  const unmatched = r.preallocatedFrees - r.batchedEchoes;
  if (unmatched > 0) notes.push(`${formatNumber(unmatched)} frees of pfns never allocated in the trace (allocated before it began) were treated as pre-allocated and skipped`);
  if (r.batchedEchoes > 0) notes.push(`${formatNumber(r.batchedEchoes)} mm_page_free_batched events repeated an mm_page_free of the same page (this kernel traces both for a batched free) and were skipped`);
  if (r.lostFrees > 0) notes.push(`${formatNumber(r.lostFrees)} pfns were allocated again without a traced free (lost events); the model freed them first`);
  if (r.orderMismatches > 0) notes.push(`${formatNumber(r.orderMismatches)} frees had another order than their allocation (split pages); the whole model block was freed`);
  if (r.otherMigratetypes > 0) notes.push(`${formatNumber(r.otherMigratetypes)} allocations of highatomic/CMA/isolate migratetypes were replayed as unmovable`);
  if (r.failedAllocs > 0) notes.push(`${formatNumber(r.failedAllocs)} allocations did not fit the model zone`);
  return notes;
}
