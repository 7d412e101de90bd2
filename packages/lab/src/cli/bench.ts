import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

// The benchmark suites live in the repository (bench/), beside the JavaScript peers they compare
// with; they do not ship in the package. From src/cli or dist/cli the repository root is four up.
const RUNNER = fileURLToPath(new URL('../../../../bench/run.ts', import.meta.url));

/**
 * `kalloc bench [NAME...]`: a development command. In a clone of the kalloc repository it runs the
 * suites of bench/index.ts exactly as `npm run bench` does (a child node with --expose-gc, so that
 * memory figures can be measured; the runner itself rejects unknown suite names).
 */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('microbenchmarks against the JavaScript peers (development: needs a kalloc repository clone)')
    .argument('[names...]', 'suite names (default: all)')
    .addHelpText('after', '\nBENCH_TIME=<ms> sets the time per task (default 600). Suites are listed in bench/index.ts.')
    .action(async (names: string[]) => {
      if (!existsSync(RUNNER)) {
        throw new Error(
          'bench is a development command: the benchmark suites and their peers are not part of the ' +
            'installed package. Clone the kalloc repository and run `npm ci && npm run bench` there.',
        );
      }
      const args = ['--conditions=source', '--import', 'tsx', '--expose-gc', RUNNER, ...names];
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (status) => resolve(status ?? 1));
      });
      if (code !== 0) throw new Error(`benchmarks exited with status ${code}`);
    });
}
