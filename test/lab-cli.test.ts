import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../packages/lab/src/cli/main.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'packages/lab/bin/kalloc.mjs');
const FIXTURES = path.join(ROOT, 'test/fixtures');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin with node, as a user would. */
function kalloc(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

test('cli: --help for the program and every command', async () => {
  const names = buildProgram().commands.map((c) => c.name());
  assert.ok(['lab', 'replay', 'inspect'].every((n) => names.includes(n)));
  const runs = await Promise.all([kalloc('--help'), ...names.map((n) => kalloc(n, '--help'))]);
  assert.equal(runs[0]!.code, 0);
  for (const n of names) assert.match(runs[0]!.stdout, new RegExp(`\\b${n}\\b`));
  names.forEach((n, i) => {
    const r = runs[i + 1]!;
    assert.equal(r.code, 0, `${n} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: kalloc ${n}`));
  });
});

test('cli: bad arguments give a one-line error and exit code 2', async () => {
  const cases = [
    ['lab', '--bogus'],
    ['lab', 'no-such-scenario'],
    ['replay'],
    ['replay', path.join(FIXTURES, 'buddyinfo.txt'), '--design', 'tree,warp'],
    ['inspect', path.join(FIXTURES, 'buddyinfo.txt'), '--page-size', 'lots'],
  ];
  const runs = await Promise.all(cases.map((c) => kalloc(...c)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i]!.join(' ')}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, `${cases[i]!.join(' ')}: ${r.stderr}`);
  });
});

test('cli: a missing, unreadable or unrecognised file is a clear error with exit code 1', async () => {
  const missing = path.join(FIXTURES, 'does-not-exist');
  const cases = [
    ['inspect', missing],
    ['replay', missing],
    ['inspect', FIXTURES], // a directory
    ['inspect', path.join(ROOT, 'packages/lab/data/kmem-vmalloc-real.trace.gz')], // not a /proc file
    ['replay', path.join(FIXTURES, 'buddyinfo.txt')], // no trace events
  ];
  const runs = await Promise.all(cases.map((c) => kalloc(...c)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 1, `${cases[i]!.join(' ')}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^kalloc: /);
  });
  assert.match(runs[0]!.stderr, /cannot read .*does-not-exist: ENOENT/);
  assert.match(runs[2]!.stderr, /EISDIR/);
  assert.match(runs[3]!.stderr, /unrecognised content/);
  assert.match(runs[4]!.stderr, /no page or vmalloc allocation events/);
});

test('cli: inspect --json and --out on the real /proc captures; replay writes its report', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    const [buddy, vmalloc, replay] = await Promise.all([
      kalloc('inspect', path.join(FIXTURES, 'buddyinfo.txt'), '--json'),
      kalloc('inspect', path.join(FIXTURES, 'vmallocinfo.txt'), '--out', path.join(dir, 'vm')),
      kalloc('replay', path.join(ROOT, 'packages/lab/data/kmem-vmalloc-real.trace.gz'), '--design', 'none,tree,linear', '--out', path.join(dir, 'rp')),
    ]);
    assert.equal(buddy.code, 0, buddy.stderr);
    const json = JSON.parse(buddy.stdout) as { kind: string; zones: unknown[] };
    assert.equal(json.kind, 'buddyinfo');
    assert.equal(json.zones.length, lines(await readFile(path.join(FIXTURES, 'buddyinfo.txt'), 'utf8')).length);

    assert.equal(vmalloc.code, 0, vmalloc.stderr);
    assert.match(vmalloc.stdout, /areas/);
    assert.equal(lines(vmalloc.stdout).at(-1), `Report written to ${path.join(dir, 'vm', 'report.html')}`);
    assert.match(await readFile(path.join(dir, 'vm', 'report.html'), 'utf8'), /<svg class="memory-map"/);

    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replay-vmalloc/);
    assert.match(replay.stdout, /replay-pages/);
    const reportLine = lines(replay.stdout).at(-1)!;
    assert.equal(reportLine, `Report written to ${path.join(dir, 'rp', 'report.html')}`);
    const html = await readFile(path.join(dir, 'rp', 'report.html'), 'utf8');
    assert.equal((html.match(/<section class="scenario"/g) ?? []).length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
