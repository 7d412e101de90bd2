import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { KallocError } from 'kalloc';
import { registerLab } from './lab.ts';
import { registerInspect } from './inspect.ts';
import { registerReplay } from './replay.ts';
import { registerBench } from './bench.ts';

/**
 * The `kalloc` command. Exit codes: 0 success, 1 a runtime failure (a file that cannot be read,
 * say), 2 a usage error (bad arguments), each with a one-line message.
 */
export function buildProgram(): Command {
  const program = new Command('kalloc')
    .description("kalloc's lab: replay workloads on the kernel's allocator designs and compare them")
    .version(labVersion(), '-V, --version', 'print the version of kalloc-lab and exit')
    .showSuggestionAfterError()
    .exitOverride();
  registerLab(program);
  registerInspect(program);
  registerReplay(program);
  registerBench(program);
  return program;
}

/** The version in kalloc-lab's package.json (two levels above src/cli and dist/cli). */
function labVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help text).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof KallocError && error.code === 'EINVAL') {
      // The message says what is wrong in words; the code prefix ("EINVAL: ") is for programs.
      console.error(`kalloc: ${error.message.replace(/^EINVAL: /, '')}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`kalloc: ${message}`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntry) process.exitCode = await main(process.argv.slice(2));
