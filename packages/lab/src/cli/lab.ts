import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { runLab, selectScenarios } from '../run.ts';
import { everyClaimMet, renderScenarioTable, renderSummary } from '../table.ts';
import { scenarios } from '../scenarios/index.ts';
import { KallocError } from 'kalloc';
import { prepareOutDir, renderLabReport, writeReport } from '../report/index.ts';
import { Progress } from './progress.ts';

export interface LabCommandOptions {
  quick?: boolean;
  full?: boolean;
  out?: string;
  json?: boolean;
  strict?: boolean;
}

const DEFAULT_OUT = 'kalloc-report';

/** `lab --help`'s list of scenarios, one line each. */
function scenarioList(): string {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return ['', 'Scenarios:', ...scenarios.map((s) => `  ${s.name.padEnd(width)}  ${s.title}`)].join('\n');
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('run the built-in scenarios (or the named ones), print tables, write DIR/report.html')
    .argument('[names...]', 'scenario names (default: all)')
    .option('--quick', 'smaller parameters: the whole lab in under a minute')
    .option('--full', 'the largest parameters where a scenario has them (e.g. gigablocks on 238 GiB)')
    .option('--out <dir>', `where to write report.html and results.json (default: ${DEFAULT_OUT}; with --json: none)`)
    .option('--json', 'print the results as JSON instead of tables (writes no files unless --out is given)')
    .option('--strict', 'exit with status 1 when a claim is not met (for CI)')
    .addHelpText('after', scenarioList())
    .action(async (names: string[], options: LabCommandOptions) => {
      selectScenarios(names); // unknown names fail before any work starts
      if (options.quick && options.full) throw new KallocError('EINVAL', '--quick and --full cannot be combined: --quick runs the smallest parameters, --full the largest');
      // --json alone prints and writes nothing, so it never replaces the last run's report.
      const out = options.out ?? (options.json ? undefined : DEFAULT_OUT);
      if (out !== undefined) await prepareOutDir(out); // an --out that cannot be written fails before any work
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
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else console.log(renderSummary(results));
      if (out !== undefined) {
        const dir = await prepareOutDir(out);
        const jsonFile = path.join(dir, 'results.json');
        await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
        progress.begin('report');
        const html = await renderLabReport(results, undefined, (done, total, label) => progress.update(done, total, label ?? 'rendering charts'));
        const reportFile = await writeReport(dir, html);
        progress.end();
        const log = options.json ? console.error : console.log;
        log(`Results written to ${jsonFile}`);
        log(`Report written to ${reportFile}`);
      }
      if (options.strict && !everyClaimMet(results)) throw new Error('--strict: not every claim was met (listed above)');
    });
}
