import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KallocError } from '../core/errors.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

/**
 * `kalloc bench [NAME...]`: the benchmark suites of bench/index.ts, exactly as `npm run bench`
 * runs them (a child node with --expose-gc, so that memory figures can be measured).
 */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('microbenchmarks, kalloc against the JavaScript peers (all suites, or the named ones)')
    .argument('[names...]', 'suite names (default: all)')
    .addHelpText('after', '\nBENCH_TIME=<ms> sets the time per task (default 600). Suites are listed in bench/index.ts.')
    .action(async (names: string[]) => {
      const { suites } = await import('../../bench/index.ts');
      const unknown = names.filter((name) => !suites.some((s) => s.name === name));
      if (unknown.length > 0) {
        const known = suites.map((s) => s.name).join(', ');
        throw new KallocError('EINVAL', `suite = "${unknown[0]}": unknown (known: ${known})`);
      }
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', RUNNER, ...names], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (status) => resolve(status ?? 1));
      });
      if (code !== 0) throw new Error(`benchmarks exited with status ${code}`);
    });
}
