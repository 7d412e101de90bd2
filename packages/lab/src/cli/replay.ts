import type { Command } from 'commander';
import { invalid } from 'kalloc/internal';
import { KallocError } from 'kalloc';
import { formatBytes } from '../format.ts';
import { prepareOutDir, renderLabReport, writeReport } from '../report/index.ts';
import { chooseDesigns, loadTrace, PAGE_DESIGNS, pcpTuningFromZoneinfo, replayTraceRuns, VMAP_DESIGNS, vmapLayout, type PcpTuningOption, type VmapLayout } from '../replay/index.ts';
import { parseZoneinfo, readVmallocinfo } from 'kalloc';
import { machineInfo, type LabResults } from '../results.ts';
import { everyClaimMet, renderScenarioTable, renderSummary } from '../table.ts';
import { openTrace } from 'kalloc/node';
import { Progress } from './progress.ts';
import { fileError, inputSize, readInput, STDIN } from './files.ts';

interface ReplayOptions {
  design?: string;
  out: string;
  pcpHigh?: string;
  pcpBatch?: string;
  strict?: boolean;
  zoneinfo?: string;
  layout?: string;
  json?: boolean;
}

/** The vmalloc layout of --layout, and the base address the trace's vmap addresses share with it. */
async function readLayout(file: string): Promise<{ layout: VmapLayout; base: bigint }> {
  const info = readVmallocinfo(await readInput(file, 'replay'));
  if (info.hashed) throw invalid('--layout', file, 'has hashed addresses (read /proc/vmallocinfo as root with kernel.kptr_restrict=1)');
  if (info.base === undefined) throw invalid('--layout', file, 'has no /proc/vmallocinfo areas');
  return { layout: vmapLayout(info), base: info.base };
}

/** A --pcp-high / --pcp-batch value: a whole number of pages. */
function pages(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(flag, value, 'must be a whole number of pages');
  return n;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay a Linux ftrace text trace (kmem + vmalloc events, plain or .gz) or a kalloc JSONL trace, comparing designs')
    .argument('<file>', 'the trace: ftrace text or kalloc JSONL, optionally gzip-compressed; - for standard input (xz -dc trace.xz | kalloc replay -)')
    .option('--design <list>', 'designs to compare, comma-separated: tree,linear (vmalloc events) and buddy,classic,none (page events); only the named ones run (default: all)')
    .option('--out <dir>', 'where to write report.html', 'kalloc-report/replay')
    .option('--pcp-high <pages>', "per-CPU cache high of the page designs (the traced machine's, from /proc/zoneinfo)")
    .option('--pcp-batch <pages>', 'per-CPU cache batch of the page designs')
    .option('--strict', 'exit with status 1 when a claim is not met (for CI)')
    .option('--zoneinfo <file>', "the traced machine's /proc/zoneinfo at the trace's start: per-CPU high, batch, auto-tuning bounds, watermark and cached pages")
    .option('--layout <file>', "the traced machine's /proc/vmallocinfo at the trace's start: own vmalloc placement starts from it")
    .option('--json', 'print the figures as JSON (kernel and each design) instead of the tables')
    .action(async (file: string, options: ReplayOptions) => {
      const designs = chooseDesigns(options.design?.split(',').map((d) => d.trim()).filter(Boolean));
      const stdinReaders = [file, options.zoneinfo, options.layout].filter((f) => f === STDIN).length;
      if (stdinReaders > 1) throw invalid('-', STDIN, 'standard input can be read once: give the trace, --zoneinfo and --layout as files but one');
      const layout = options.layout === undefined ? undefined : await readLayout(options.layout);
      const zones = options.zoneinfo === undefined ? undefined : parseZoneinfo(await readInput(options.zoneinfo, 'replay'));
      if (zones && zones.length === 0) throw invalid('--zoneinfo', options.zoneinfo, 'has no /proc/zoneinfo zones');
      const high = pages('--pcp-high', options.pcpHigh);
      const batch = pages('--pcp-batch', options.pcpBatch);
      if (options.out !== undefined) await prepareOutDir(options.out);
      const size = await inputSize(file);
      const progress = new Progress();
      progress.begin('reading');
      const source = file === STDIN ? process.stdin : file;
      const onBytes = (n: number) => progress.update(n, size ?? n, formatBytes(n));
      const trace = await openTrace(source, { onBytes, name: file === STDIN ? 'standard input' : file, ...(layout ? { vmallocBase: layout.base } : {}) }).catch((error: unknown) => {
        throw error instanceof KallocError ? error : fileError(file, error);
      });
      const compact = await loadTrace(trace.events, undefined, trace.skipped);
      progress.end();
      if (compact.pages.count + compact.vmap.count === 0) {
        const why = trace.skipped.total > 0 ? `; skipped: ${trace.skipped.describe().slice(0, 3).join('; ')}` : '';
        throw new Error(`${file}: no page or vmalloc allocation events found${why}`);
      }
      const unreplayed = [
        compact.pages.count > 0 && designs.page.length === 0 && `${compact.pages.count} page events (page designs: ${Object.keys(PAGE_DESIGNS).join(', ')})`,
        compact.vmap.count > 0 && designs.vmap.length === 0 && `${compact.vmap.count} vmalloc events (vmalloc designs: ${Object.keys(VMAP_DESIGNS).join(', ')})`,
      ].filter((x): x is string => typeof x === 'string');
      if (unreplayed.length === 2 || (unreplayed.length === 1 && (compact.pages.count === 0 || compact.vmap.count === 0))) {
        throw invalid('--design', options.design, `names no design for the trace's ${unreplayed.join(' or ')}`);
      }
      for (const u of unreplayed) console.log(`not replayed: ${u}, as --design names none of them`);
      const flags = [
        options.design && `--design ${options.design}`, high !== undefined && `--pcp-high ${high}`, batch !== undefined && `--pcp-batch ${batch}`,
        options.zoneinfo && `--zoneinfo ${options.zoneinfo}`, options.layout && `--layout ${options.layout}`,
      ];
      // zoneinfo gives the machine's tuning; --pcp-high / --pcp-batch override it.
      const pcp: PcpTuningOption = {
        ...(zones ? pcpTuningFromZoneinfo(zones, compact.pages) : {}),
        ...(high === undefined ? {} : { high }),
        ...(batch === undefined ? {} : { batch }),
      };
      const command = `npx kalloc replay ${file}${flags.filter(Boolean).map((f) => ` ${f}`).join('')}`;
      const format = `${trace.format === 'kalloc' ? 'kalloc JSONL' : 'ftrace text'}${trace.compressed ? ', gzip' : ''}`;
      progress.begin('replaying');
      const { results: scenarios, json } = replayTraceRuns(compact, designs, {
        file, format, command, skipped: trace.skipped, pcp,
        ...(layout ? { layout: layout.layout } : {}),
        progress: (done, total, label) => progress.update(done, total, label),
      });
      progress.end();
      if (options.json) console.log(JSON.stringify(json, null, 2));
      else for (const s of scenarios) console.log(`${renderScenarioTable(s)}\n`);
      const results: LabResults = { version: 1, machine: machineInfo(), date: new Date().toISOString(), scenarios };
      const report = await writeReport(options.out, await renderLabReport(results, `kalloc replay: ${file}`));
      // With --json, standard output is the JSON alone.
      const say = options.json ? console.error : console.log;
      say(renderSummary(results));
      say(`Report written to ${report}`);
      if (options.strict && !everyClaimMet(results)) throw new Error('--strict: not every claim was met (listed above)');
    });
}
