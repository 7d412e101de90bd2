import pc from 'picocolors';
import type { Command } from 'commander';
import { invalid } from 'kalloc/internal';
import { formatBytes, formatNumber, parseBytes } from '../format.ts';
import { compareInspections, detectProcFile, inspectProcFile, vmallocMaps, type Comparison, type Inspection, type VmallocComparison, type VmallocInspection, type ZoneinfoInspection, type ZonesComparison, type ZonesInspection } from '../inspect.ts';
import { writeReport } from '../report/index.ts';
import { formatIndex, INDEX_LEGEND, renderInspectionPage } from '../report/inspect-page.ts';
import { fittedTable } from '../table.ts';
import { readInput, STDIN } from './files.ts';

interface InspectOptions {
  json?: boolean;
  out?: string;
  pageSize: string;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('read /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo: fragmentation indices per zone and order, vmalloc areas, or watermarks and per-CPU cache tuning; with two snapshots, what changed')
    .argument('<file>', 'a copy of /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo (or the file itself); - for standard input')
    .argument('[after]', 'a later snapshot of the same file (not zoneinfo): print what changed from <file> to it')
    .option('--json', 'print the figures as JSON')
    .option('--out <dir>', 'also write DIR/report.html with charts and memory maps (of the one snapshot)')
    .option('--page-size <bytes>', 'page size for the byte figures', '4096')
    .action(async (file: string, after: string | undefined, options: InspectOptions) => {
      const pageSize = parseBytes(options.pageSize);
      if (pageSize === undefined || pageSize <= 0) throw invalid('--page-size', options.pageSize, 'must be a size such as 4096 or 64K');
      if (after !== undefined && options.out !== undefined) throw invalid('--out', options.out, 'writes the report of one snapshot: give one file, or compare two without --out');
      if (file === STDIN && after === STDIN) throw invalid('after', after, 'standard input can be read once: give one of the snapshots as a file');
      const read = async (name: string) => {
        const text = await readInput(name, 'inspect');
        const kind = detectProcFile(text);
        if (!kind) throw new Error(`${name === STDIN ? 'standard input' : name}: not /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo (unrecognised content)`);
        return { text, kind, inspection: inspectProcFile(kind, text, pageSize) };
      };
      const first = await read(file);
      if (after !== undefined) {
        const comparison = compareInspections(first.inspection, (await read(after)).inspection);
        console.log(options.json ? JSON.stringify(comparison, null, 2) : comparisonText(comparison, file, after, pageSize));
        return;
      }
      const { kind, text, inspection } = first;
      if (options.json) console.log(JSON.stringify(inspection, null, 2));
      else console.log(inspection.kind === 'vmallocinfo' ? vmallocText(inspection) : inspection.kind === 'zoneinfo' ? zoneinfoText(inspection) : zonesText(inspection));
      if (options.out !== undefined) {
        const maps = kind === 'vmallocinfo' ? vmallocMaps(text) : [];
        const report = await writeReport(options.out, await renderInspectionPage(file, inspection, maps));
        (options.json ? console.error : console.log)(`Report written to ${report}`);
      }
    });
}

/** "12 -> 15 (+3)" */
function change(before: number, after: number, format: (n: number) => string = formatNumber): string {
  const d = after - before;
  return d === 0 ? `${format(after)} (unchanged)` : `${format(before)} -> ${format(after)} (${d > 0 ? '+' : '-'}${format(Math.abs(d))})`;
}

const signed = (n: number) => (n > 0 ? `+${formatNumber(n)}` : n < 0 ? `-${formatNumber(-n)}` : '0');

function comparisonText(c: Comparison, before: string, after: string, pageSize: number): string {
  const head = pc.bold(`from ${before} to ${after}`);
  return [head, ...(c.kind === 'vmallocinfo' ? vmallocComparisonText(c) : zonesComparisonText(c, pageSize))].join('\n');
}

function zonesComparisonText(c: ZonesComparison, pageSize: number): string[] {
  const out: string[] = [];
  for (const z of c.zones) {
    const largest = (o: number) => (o < 0 ? 'none' : `order ${o}`);
    out.push(pc.bold(`Node ${z.node}, zone ${z.zone}`) + `: free ${change(z.freePages[0] * pageSize, z.freePages[1] * pageSize, formatBytes)}, largest free block ${largest(z.largestOrder[0])} -> ${largest(z.largestOrder[1])}`);
    if (z.pageblocks) out.push(`  pageblocks by type: ${Object.entries(z.pageblocks).map(([t, [a, b]]) => `${t} ${change(a, b)}`).join(', ')}`);
    out.push(fittedTable(
      ['order', 'free blocks before', 'free blocks after', 'change', 'fragmentation index before', 'fragmentation index after'],
      z.orders.map((o) => [String(o.order), formatNumber(o.freeBlocks[0]), formatNumber(o.freeBlocks[1]), signed(o.freeBlocks[1] - o.freeBlocks[0]), formatIndex(o.fragmentationIndex[0]), formatIndex(o.fragmentationIndex[1])]),
    ), '');
  }
  for (const k of c.onlyBefore) out.push(`only in the first snapshot: ${k}`);
  for (const k of c.onlyAfter) out.push(`only in the second snapshot: ${k}`);
  out.push(pc.dim(INDEX_LEGEND[0]!));
  return out;
}

function vmallocComparisonText(c: VmallocComparison): string[] {
  const shown = c.byCaller.slice(0, 20);
  return [
    `vmalloc: areas ${change(c.areas[0], c.areas[1])}, in use ${change(c.totalBytes[0], c.totalBytes[1], formatBytes)}`,
    c.byCaller.length === 0
      ? 'no caller gained or lost areas'
      : `callers whose areas changed (${shown.length} of ${c.byCaller.length}, by bytes changed):\n` +
        fittedTable(['caller', 'areas before', 'areas after', 'areas added', 'bytes changed'],
          shown.map((x) => [x.caller, formatNumber(x.areas[0]), formatNumber(x.areas[1]), signed(x.areas[1] - x.areas[0]), `${x.bytes[1] >= x.bytes[0] ? '+' : '-'}${formatBytes(Math.abs(x.bytes[1] - x.bytes[0]))}`])),
  ];
}

function zonesText(inspection: ZonesInspection): string {
  const out: string[] = [];
  for (const z of inspection.zones) {
    const largest = z.largestOrder < 0 ? 'none' : `order ${z.largestOrder} (${formatBytes(z.largestBytes)})`;
    out.push(pc.bold(`Node ${z.node}, zone ${z.zone}`) + `: free ${formatBytes(z.freeBytes)} (${formatNumber(z.freePages)} pages), largest free block ${largest}`);
    if (z.freePagesByType) {
      out.push(`  free pages by type: ${Object.entries(z.freePagesByType).map(([t, p]) => `${t} ${formatNumber(p)}`).join(', ')}`);
      out.push(`  pageblocks by type: ${Object.entries(z.pageblocks ?? {}).map(([t, n]) => `${t} ${formatNumber(n)}`).join(', ')}`);
    }
    // One row per order; the indices as the kernel's debugfs prints them.
    out.push(fittedTable(
      ['order', 'block size', 'free blocks', 'fragmentation index', 'unusable index'],
      z.orders.map((o) => [String(o.order), formatBytes(2 ** o.order * inspection.pageSize), formatNumber(o.freeBlocks), formatIndex(o.fragmentationIndex), formatIndex(o.unusableIndex)]),
    ), '');
  }
  out.push(...INDEX_LEGEND.map((l) => pc.dim(l)));
  out.push(...skippedText(inspection));
  return out.join('\n').trimEnd();
}

/** Per zone with pages: watermarks and sizes, then each CPU's pageset (what `replay --zoneinfo` uses). */
function zoneinfoText(v: ZoneinfoInspection): string {
  const out: string[] = [];
  for (const z of v.zones.filter((z) => z.managed > 0)) {
    out.push(pc.bold(`Node ${z.node}, zone ${z.zone}`) + `: ${formatNumber(z.managed)} managed pages from pfn ${formatNumber(z.startPfn)}, ${formatNumber(z.freePages)} free`);
    out.push(`  watermarks (free pages): min ${formatNumber(z.min)}, low ${formatNumber(z.low)}, high ${formatNumber(z.high)}`);
    out.push(fittedTable(
      ['cpu', 'count', 'high', 'batch', 'high_min', 'high_max'],
      z.pagesets.map((p) => [p.cpu, p.count, p.high, p.batch, p.highMin, p.highMax].map((n) => formatNumber(n))),
    ), '');
  }
  out.push(...skippedText(v));
  return out.join('\n').trimEnd();
}

function vmallocText(v: VmallocInspection): string {
  const out = [
    pc.bold('vmalloc') + `: ${formatNumber(v.areas)} areas, ${formatBytes(v.totalBytes)} in use` +
      (v.hashed
        ? ' (addresses are hashed: read it as root with kernel.kptr_restrict=1 for positions and gaps)'
        : `; the vmalloc range ${v.range ? `${v.range.start}-${v.range.end} ` : ''}spans ${formatBytes(v.spanBytes)}, largest hole ${formatBytes(v.largestGap.size)}${v.largestGap.address ? ` at ${v.largestGap.address}` : ''}`),
    ...(v.outside ? [`${formatNumber(v.outside.areas)} areas (${formatBytes(v.outside.bytes)}) lie above the vmalloc range (the kernel image and module area) and are left out of the span, holes and maps`] : []),
  ];
  const kinds = fittedTable(['kind', 'areas', 'bytes'], v.byKind.map((k) => [k.kind, formatNumber(k.areas), formatBytes(k.bytes)]));
  const callers = fittedTable(['caller', 'areas', 'bytes'], v.byCaller.slice(0, 15).map((c) => [c.caller, formatNumber(c.areas), formatBytes(c.bytes)]));
  out.push(kinds, `top callers (${Math.min(15, v.byCaller.length)} of ${v.byCaller.length}, by bytes):`, callers);
  out.push(...skippedText(v));
  return out.join('\n');
}

function skippedText(inspection: Inspection): string[] {
  return inspection.skipped.map((k) => pc.dim(`skipped ${k.count} x ${k.kind} (e.g. line ${k.examples[0]?.line}: ${k.examples[0]?.text})`));
}
