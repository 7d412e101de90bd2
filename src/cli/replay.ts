import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatBytes } from '../core/format.ts';
import { renderLabReport, writeReport } from '../lab/report/index.ts';
import { chooseDesigns, loadTrace, replayTrace } from '../lab/replay/index.ts';
import { machineInfo, type LabResults } from '../lab/results.ts';
import { renderScenarioTable } from '../lab/table.ts';
import { openTrace } from '../lab/trace/open.ts';
import { Progress } from './progress.ts';

interface ReplayOptions {
  design?: string;
  out: string;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay a Linux ftrace text trace (kmem + vmalloc events, plain or .gz) or a kalloc JSONL trace, comparing designs')
    .argument('<file>', 'the trace: ftrace text or kalloc JSONL, optionally gzip-compressed')
    .option('--design <list>', 'designs to compare, comma-separated: tree,linear (vmalloc events) and buddy,classic,none (page events)')
    .option('--out <dir>', 'where to write report.html', 'kalloc-report/replay')
    .action(async (file: string, options: ReplayOptions) => {
      const designs = chooseDesigns(options.design?.split(',').map((d) => d.trim()).filter(Boolean));
      const size = await stat(file).then((s) => s.size, (error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${file}: ${error.code ?? error.message}`);
      });
      const progress = new Progress();
      progress.begin('reading');
      const trace = await openTrace(file, { onBytes: (n) => progress.update(n, size, formatBytes(n)) });
      const compact = await loadTrace(trace.events);
      progress.end();
      if (compact.pages.count + compact.vmap.count === 0) {
        const why = trace.skipped.total > 0 ? `; skipped: ${trace.skipped.describe().slice(0, 3).join('; ')}` : '';
        throw new Error(`${file}: no page or vmalloc allocation events found${why}`);
      }
      const command = `npx kalloc replay ${file}${options.design ? ` --design ${options.design}` : ''}`;
      const format = `${trace.format === 'kalloc' ? 'kalloc JSONL' : 'ftrace text'}${trace.compressed ? ', gzip' : ''}`;
      progress.begin('replaying');
      const scenarios = replayTrace(compact, designs, {
        file, format, command, skipped: trace.skipped,
        progress: (done, total, label) => progress.update(done, total, label),
      });
      progress.end();
      for (const s of scenarios) console.log(`${renderScenarioTable(s)}\n`);
      const results: LabResults = { version: 1, machine: machineInfo(), date: new Date().toISOString(), scenarios };
      const report = await writeReport(options.out, await renderLabReport(results, `kalloc replay: ${file}`));
      console.log(`Report written to ${report}`);
    });
}
