import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../packages/lab/src/cli/main.ts';
import { scenarios } from '../packages/lab/src/scenarios/index.ts';
import type { LabResults } from '../packages/lab/src/results.ts';
import type { TraceEvent } from 'kalloc';
import { writeKallocTrace } from 'kalloc/node';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'packages/lab/bin/kalloc.mjs');
const FIXTURES = path.join(ROOT, 'test/fixtures');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin with node, as a user would (with `input` on its standard input). */
function kalloc(...args: string[]): Promise<Run> {
  return kallocWithInput(undefined, ...args);
}

function kallocWithInput(input: Buffer | string | undefined, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(input);
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
  // In words, with the path: no raw errno.
  assert.match(runs[0]!.stderr, /cannot read .*does-not-exist: no such file or directory/);
  assert.match(runs[1]!.stderr, /cannot read .*does-not-exist: no such file or directory/);
  assert.match(runs[2]!.stderr, new RegExp(`cannot read ${FIXTURES}: is a directory, not a file`));
  for (const r of runs) assert.doesNotMatch(r.stderr, /\bE[A-Z]{3,}\b/);
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

test('cli: lab --help lists every scenario on one line; --quick --full is a usage error', async () => {
  const [help, both] = await Promise.all([kalloc('lab', '--help'), kalloc('lab', '--quick', '--full', 'pcp-exit')]);
  assert.equal(help.code, 0);
  for (const s of scenarios) assert.match(help.stdout, new RegExp(`^  ${s.name} +${s.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--quick.*--full.*cannot be combined/);
});

test('cli: lab --json without --out writes no file; tables fit 100 columns; the summary names unmet claims; --strict', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    const [json, table] = await Promise.all([
      execIn(dir, 'lab', '--quick', '--json', 'pcp-exit'),
      execIn(dir, 'lab', '--quick', '--strict', '--out', path.join(dir, 'out'), 'pcp-exit', 'pcp-one-allocator'),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const results = JSON.parse(json.stdout) as LabResults;
    const s = results.scenarios[0]!;
    assert.ok(s.claims.length >= 1);
    assert.equal(s.met, s.claims.every((c) => c.met));
    for (const c of s.claims) assert.equal(c.met, c.status === 'met');
    assert.deepEqual(await readdir(dir).then((f) => f.filter((x) => x !== 'out')), [], '--json alone wrote files');

    assert.equal(table.code, everyClaimMetOf(table.stdout) ? 0 : 1, table.stderr);
    for (const l of table.stdout.split('\n')) assert.ok(l.length <= 100, `${l.length} columns: ${l}`);
    assert.doesNotMatch(table.stdout, /├/, 'no separator under every row');
    assert.match(table.stdout, /^\d+ of \d+ claims met/m);
    assert.equal(lines(table.stdout).at(-1), `Report written to ${path.join(dir, 'out', 'report.html')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Whether the summary line of a lab or replay run says every claim was met. */
function everyClaimMetOf(stdout: string): boolean {
  const m = /^(\d+) of (\d+) claims met/m.exec(stdout);
  return m !== null && m[1] === m[2];
}

function execIn(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('cli: replay reads standard input, refuses xz with the command that reads it, and says "not measured" below the minimum', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    // 40 vmalloc operations: too few for timings.
    const events: TraceEvent[] = [];
    for (let i = 0; i < 20; i++) events.push({ kind: 'vmap_alloc', time: i, cpu: 0, pid: 1, start: i * 8192, size: 4096, align: 4096, failed: false });
    for (let i = 0; i < 20; i++) events.push({ kind: 'vmap_free', time: 20 + i, cpu: 0, pid: 1, start: i * 8192 });
    const file = path.join(dir, 'small.jsonl');
    await writeKallocTrace(file, events, { source: 'test' });
    const xz = path.join(dir, 'trace.xz');
    await writeFile(xz, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]));
    const [piped, refused, strict] = await Promise.all([
      kallocWithInput(gzipSync(await readFile(file)), 'replay', '-', '--out', path.join(dir, 'r1')),
      kalloc('replay', xz),
      kalloc('replay', file, '--strict', '--out', path.join(dir, 'r2')),
    ]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout.replace(/\s+/g, ' '), /not measured: .*replays the traced vmalloc/);
    assert.match(piped.stdout, /only 40 vmap operations \(fewer than 1,000\)/);
    assert.doesNotMatch(piped.stdout, /NOT met/);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`^kalloc: ${xz}: xz-compressed.*xz -dc ${xz} \\| kalloc replay -`));
    assert.equal(strict.code, 1, 'a claim not measured fails --strict');
    assert.match(strict.stderr, /--strict/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli: replay --design filters across families and prints the per-CPU high/batch the model used', async () => {
  const trace = path.join(ROOT, 'packages/lab/data/kmem-vmalloc-real.trace.gz');
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    const [tree, pages] = await Promise.all([
      kalloc('replay', trace, '--design', 'tree,linear', '--out', path.join(dir, 'a')),
      kalloc('replay', trace, '--design', 'classic,buddy', '--pcp-high', '100', '--pcp-batch', '10', '--out', path.join(dir, 'b')),
    ]);
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, /replay-vmalloc/);
    assert.doesNotMatch(tree.stdout, /replay-pages/);
    assert.match(tree.stdout, /not replayed: .*page events/);
    assert.equal(pages.code, 0, pages.stderr);
    assert.doesNotMatch(pages.stdout, /replay-vmalloc/);
    assert.match(pages.stdout, /per-CPU caches of the models: high 100 pages, batch 10 pages/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli: inspect A B compares two snapshots; indices in one unit with a legend; vmalloc at kernel addresses', async () => {
  const [zones, vm, json, stdin] = await Promise.all([
    kalloc('inspect', path.join(FIXTURES, 'pagetypeinfo.txt'), path.join(FIXTURES, 'page-pagetypeinfo.txt')),
    kalloc('inspect', path.join(FIXTURES, 'vmallocinfo.txt'), path.join(FIXTURES, 'vmallocinfo-hashed.txt')),
    kalloc('inspect', path.join(FIXTURES, 'buddyinfo.txt'), '--json'),
    kallocWithInput(await readFile(path.join(FIXTURES, 'vmallocinfo.txt')), 'inspect', '-'),
  ]);
  assert.equal(zones.code, 0, zones.stderr);
  assert.match(zones.stdout, /free blocks before .* free blocks after .* change/);
  assert.match(zones.stdout, /pageblocks by type: /);
  assert.match(zones.stdout, /-1\.000 = a free block of this order exists/);
  assert.equal(vm.code, 0, vm.stderr);
  assert.match(vm.stdout, /vmalloc: areas 290 -> 40 \(-250\)/);
  assert.match(vm.stdout, /callers whose areas changed/);
  const parsed = JSON.parse(json.stdout) as { zones: { orders: { fragmentationIndex: number; unusableIndex: number }[] }[] };
  for (const o of parsed.zones.flatMap((z) => z.orders)) {
    assert.ok(o.fragmentationIndex >= -1 && o.fragmentationIndex <= 1, 'the same unit as the table (-1.000 .. 1.000)');
    assert.ok(o.unusableIndex >= 0 && o.unusableIndex <= 1);
  }
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.match(stdin.stdout, /the vmalloc range 0xffff[0-9a-f]+-0xffff[0-9a-f]+ spans/);
  assert.match(stdin.stdout, /above the vmalloc range \(the kernel image and module area\)/);
});

test('cli: replay from the shipped snapshots (--zoneinfo, --layout) prints JSON alone; inspect reads zoneinfo', async () => {
  const DATA = path.join(ROOT, 'packages/lab/data');
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    const zoneinfo = path.join(DATA, 'gzip-pinned.zoneinfo');
    const [replay, inspect, compared, twice] = await Promise.all([
      kalloc('replay', path.join(DATA, 'gzip-pinned.trace.gz'), '--zoneinfo', zoneinfo, '--layout', path.join(DATA, 'gzip-pinned.vmallocinfo'), '--json', '--design', 'classic,tree', '--out', path.join(dir, 'r')),
      kalloc('inspect', zoneinfo),
      kalloc('inspect', zoneinfo, path.join(DATA, 'gzip-defaults.zoneinfo')),
      kallocWithInput('', 'replay', '-', '--zoneinfo', '-'),
    ]);
    assert.equal(replay.code, 0, replay.stderr);
    const json = JSON.parse(replay.stdout) as { pages: { kernel: Record<string, number>; designs: Record<string, Record<string, number>> }; vmap: { designs: Record<string, Record<string, number>> } };
    assert.ok(json.pages.kernel.zoneLockAcquisitions! > 0);
    assert.ok(json.pages.designs.classic!.zoneLockAcquisitions! > 0);
    assert.equal(json.pages.designs.buddy, undefined, 'only the named designs');
    const same = json.vmap.designs.tree!.sameAddressAsKernel!;
    assert.ok(same >= 0 && same <= 1);
    assert.match(replay.stderr, /Report written to/);

    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /Node 0, zone Normal: .* managed pages .*\n  watermarks \(free pages\): min [\d,]+, low [\d,]+, high [\d,]+/);
    assert.match(inspect.stdout, /high_min.*high_max/);
    for (const line of inspect.stdout.split('\n')) assert.ok(line.length <= 100, `fits 100 columns: ${line}`);
    assert.notEqual(compared.code, 0);
    assert.match(compared.stderr, /zoneinfo snapshots are not compared/);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /standard input can be read once/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli: inspect reads gzip, refuses xz, zstd and bzip2 with the command that pipes them in', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-cli-'));
  try {
    const plain = await readFile(path.join(FIXTURES, 'buddyinfo.txt'));
    const gz = path.join(dir, 'buddyinfo.gz');
    await writeFile(gz, gzipSync(plain));
    const magic = { xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], zstd: [0x28, 0xb5, 0x2f, 0xfd], bzip2: [0x42, 0x5a, 0x68, 0x39] };
    const files = await Promise.all(Object.entries(magic).map(async ([name, bytes]) => {
      const file = path.join(dir, `buddyinfo.${name}`);
      await writeFile(file, Buffer.from([...bytes, 0, 0, 0, 0]));
      return [name, file] as const;
    }));
    const [fromGzip, fromPlain, ...refused] = await Promise.all([
      kalloc('inspect', gz),
      kalloc('inspect', path.join(FIXTURES, 'buddyinfo.txt')),
      ...files.map(([, file]) => kalloc('inspect', file)),
      kallocWithInput(Buffer.from(magic.xz), 'inspect', '-'),
    ]);
    assert.equal(fromGzip.code, 0, fromGzip.stderr);
    assert.equal(fromGzip.stdout, fromPlain.stdout);
    files.forEach(([name, file], i) => {
      const r = refused[i]!;
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `kalloc: ${file}: ${name}-compressed, which is not read directly (plain text and gzip are): decompress it first, or pipe it: ${name} -dc ${file} | kalloc inspect -\n`);
    });
    assert.match(refused.at(-1)!.stderr, /^kalloc: standard input: xz-compressed.*xz -dc FILE \| kalloc inspect -$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
