import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import pc from 'picocolors';
import type { Command } from 'commander';
import { invalid } from 'kalloc/internal';
import { formatBytes, formatNumber, parseBytes } from '../format.ts';
import { detectProcFile, inspectProcFile, vmallocMaps, type Inspection, type VmallocInspection, type ZoneinfoInspection, type ZonesInspection } from '../inspect.ts';
import { writeReport } from '../report/index.ts';
import { formatIndex, renderInspectionPage } from '../report/inspect-page.ts';

interface InspectOptions {
  json?: boolean;
  out?: string;
  pageSize: string;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('read /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo: fragmentation indices per zone and order, vmalloc areas, or watermarks and per-CPU cache tuning')
    .argument('<file>', 'a copy of /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo (or the file itself)')
    .option('--json', 'print the figures as JSON')
    .option('--out <dir>', 'also write DIR/report.html with charts and memory maps')
    .option('--page-size <bytes>', 'page size for the byte figures', '4096')
    .action(async (file: string, options: InspectOptions) => {
      const pageSize = parseBytes(options.pageSize);
      if (pageSize === undefined || pageSize <= 0) throw invalid('--page-size', options.pageSize, 'must be a size such as 4096 or 64K');
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${file}: ${error.code ?? error.message}`);
      });
      const kind = detectProcFile(text);
      if (!kind) throw new Error(`${file}: not /proc/buddyinfo, /proc/pagetypeinfo, /proc/vmallocinfo or /proc/zoneinfo (unrecognised content)`);
      const inspection = inspectProcFile(kind, text, pageSize);
      if (options.json) console.log(JSON.stringify(inspection, null, 2));
      else console.log(inspection.kind === 'vmallocinfo' ? vmallocText(inspection) : inspection.kind === 'zoneinfo' ? zoneinfoText(inspection) : zonesText(inspection));
      if (options.out !== undefined) {
        const maps = kind === 'vmallocinfo' ? vmallocMaps(text) : [];
        const report = await writeReport(options.out, await renderInspectionPage(file, inspection, maps));
        (options.json ? console.error : console.log)(`Report written to ${report}`);
      }
    });
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
    // Orders across, like /proc/buddyinfo; the indices as the kernel's debugfs prints them.
    const table = new Table({ head: ['order', ...z.orders.map((o) => String(o.order))], style: { head: [], border: [], compact: true } });
    table.push(
      ['free blocks', ...z.orders.map((o) => formatNumber(o.freeBlocks))],
      ['fragmentation index', ...z.orders.map((o) => formatIndex(o.fragmentationIndex))],
      ['unusable index', ...z.orders.map((o) => formatIndex(o.unusableIndex))],
    );
    out.push(table.toString(), '');
  }
  out.push(...skippedText(inspection));
  return out.join('\n').trimEnd();
}

/** Per zone with pages: watermarks and sizes, then each CPU's pageset (what `replay --zoneinfo` uses). */
function zoneinfoText(v: ZoneinfoInspection): string {
  const out: string[] = [];
  for (const z of v.zones.filter((z) => z.managed > 0)) {
    out.push(pc.bold(`Node ${z.node}, zone ${z.zone}`) + `: ${formatNumber(z.managed)} managed pages from pfn ${formatNumber(z.startPfn)}, ${formatNumber(z.freePages)} free; watermarks min ${formatNumber(z.min)}, low ${formatNumber(z.low)}, high ${formatNumber(z.high)}`);
    const table = new Table({ head: ['cpu', 'count', 'high', 'batch', 'high_min', 'high_max'], style: { head: [], border: [], compact: true } });
    for (const p of z.pagesets) table.push([p.cpu, p.count, p.high, p.batch, p.highMin, p.highMax].map((n) => formatNumber(n)));
    out.push(table.toString(), '');
  }
  out.push(...skippedText(v));
  return out.join('\n').trimEnd();
}

function vmallocText(v: VmallocInspection): string {
  const out = [
    pc.bold('vmalloc') + `: ${formatNumber(v.areas)} areas, ${formatBytes(v.totalBytes)} in use` +
      (v.hashed
        ? ' (addresses are hashed: read it as root with kernel.kptr_restrict=1 for positions and gaps)'
        : `, spanning ${formatBytes(v.spanBytes)}; largest hole ${formatBytes(v.largestGap.size)} at +0x${v.largestGap.start.toString(16)}`),
  ];
  const kinds = new Table({ head: ['kind', 'areas', 'bytes'], style: { head: [], border: [], compact: true } });
  for (const k of v.byKind) kinds.push([k.kind, formatNumber(k.areas), formatBytes(k.bytes)]);
  const callers = new Table({ head: ['caller', 'areas', 'bytes'], style: { head: [], border: [], compact: true } });
  for (const c of v.byCaller.slice(0, 15)) callers.push([c.caller, formatNumber(c.areas), formatBytes(c.bytes)]);
  out.push(kinds.toString(), `top callers (${Math.min(15, v.byCaller.length)} of ${v.byCaller.length}, by bytes):`, callers.toString());
  out.push(...skippedText(v));
  return out.join('\n');
}

function skippedText(inspection: Inspection): string[] {
  return inspection.skipped.map((k) => pc.dim(`skipped ${k.count} x ${k.kind} (e.g. line ${k.examples[0]?.line}: ${k.examples[0]?.text})`));
}
