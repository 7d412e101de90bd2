import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { runLab, selectScenarios } from '../run.ts';
import { renderScenarioTable } from '../table.ts';
import { renderLabReport, writeReport } from '../report/index.ts';
import { Progress } from './progress.ts';

export interface LabCommandOptions {
  quick?: boolean;
  full?: boolean;
  out: string;
  json?: boolean;
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('run the built-in scenarios (or the named ones), print tables, write DIR/report.html')
    .argument('[names...]', 'scenario names (default: all)')
    .option('--quick', 'smaller parameters: the whole lab in under a minute')
    .option('--full', 'the largest parameters where a scenario has them (e.g. gigablocks on 238 GiB)')
    .option('--out <dir>', 'where to write report.html and results.json', 'kalloc-report')
    .option('--json', 'print the results as JSON instead of tables')
    .action(async (names: string[], options: LabCommandOptions) => {
      selectScenarios(names); // unknown names fail before any work starts
      const progress = new Progress(!options.json && process.stderr.isTTY === true);
      const results = await runLab({
        names,
        quick: options.quick ?? false,
        full: options.full ?? false,
        onProgress: (scenario, done, total, label) => {
          if (done === 0 && total === 1 && label === undefined) progress.begin(scenario.name);
          else progress.update(done, total, label);
        },
        onResult: (result) => {
          progress.end();
          if (!options.json) console.log(`${renderScenarioTable(result)}\n`);
        },
      });
      const dir = path.resolve(options.out);
      await mkdir(dir, { recursive: true });
      const jsonFile = path.join(dir, 'results.json');
      await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
      progress.begin('report');
      const html = await renderLabReport(results, undefined, (done, total) => progress.update(done, total, 'rendering charts'));
      const reportFile = await writeReport(dir, html);
      progress.end();
      if (options.json) {
        console.log(JSON.stringify(results, null, 2));
        console.error(`Report written to ${reportFile}`);
      } else {
        const met = results.scenarios.filter((s) => s.met).length;
        const skipped = results.scenarios.filter((s) => s.skipped !== undefined).length;
        console.log(`${met} of ${results.scenarios.length} claims met${skipped > 0 ? ` (${skipped} skipped)` : ''}.`);
        console.log(`Results written to ${jsonFile}`);
        console.log(`Report written to ${reportFile}`);
      }
    });
}
