/**
 * The packed packages as a user meets them. Packs `kalloc` and `kalloc-lab`, installs both
 * tarballs into a fresh project in a temporary directory and there checks, one line each:
 * plain Node (`node app.mjs`), TypeScript (NodeNext and Bundler resolution, skipLibCheck off, no
 * @types/node), a browser bundle (esbuild --platform=browser) running in Chromium in a cross-origin
 * isolated page with a Web Worker sharing a SharedHeap, the dependency tree, and the lab's CLI;
 * and measures the tarball, the import time and what `kalloc` alone installs against the targets.
 * Not part of `npm test`; CI runs it after installing chromium:
 *     node --conditions=source --import tsx test/consumer/check.ts
 * KALLOC_KEEP=1 keeps the temporary directory and prints where it is.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const ESBUILD = path.join(ROOT, 'node_modules/.bin/esbuild');

// Targets, set before measuring (issue 12).
const MAX_TARBALL_KB = 300;
const MAX_IMPORT_MS = 50;
const IMPORT_RUNS = 7;

/** The environment of a user's shell: no loader or conditions inherited from this script. */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS'));

interface Ran {
  stdout: string;
  seconds: number;
}

function run(command: string, args: string[], cwd: string, env = USER_ENV): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(command)} ${args.join(' ')} (in ${cwd}) failed:\n${stderr || stdout || error.message}`));
      else resolve({ stdout, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

const node = (args: string[], cwd: string): Promise<Ran> => run(process.execPath, args, cwd);
const NPM_ENV = { ...USER_ENV, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
const npm = (args: string[], cwd: string): Promise<Ran> => run('npm', args, cwd, NPM_ENV);

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** The .map files under `dir` whose `sources` name a file that is not there. */
function mapsWithMissingSources(dir: string): { checked: number; broken: string[] } {
  const maps = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
  const broken = maps.filter((map) => {
    const { sources } = JSON.parse(readFileSync(path.join(dir, map), 'utf8')) as { sources: string[] };
    return sources.some((source) => !existsSync(path.resolve(dir, path.dirname(map), source)));
  });
  return { checked: maps.length, broken };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---- the log: one line per check, a closing count ----------------------------------------------

let passed = 0;
let failed = 0;

/** Runs one check; its result line is what `body` returns. A failure is logged and counted. */
async function check(name: string, body: () => Promise<string>): Promise<boolean> {
  try {
    const detail = await body();
    passed++;
    console.log(`  ok    ${name}: ${detail}`);
    return true;
  } catch (error) {
    failed++;
    const message = error instanceof Error ? error.message : String(error);
    console.log(`  FAIL  ${name}: ${message.replace(/\n/g, '\n        ')}`);
    return false;
  }
}

function skip(names: string[], reason: string): void {
  for (const name of names) {
    failed++;
    console.log(`  FAIL  ${name}: not run (${reason})`);
  }
}

// ---- the checks -----------------------------------------------------------------------------------

interface Packed {
  filename: string;
  size: number;
}

async function pack(dir: string): Promise<Packed[]> {
  const { stdout } = await npm(['pack', './packages/kalloc', './packages/lab', '--pack-destination', dir, '--json', '--silent'], ROOT);
  // prepack (the build) may print before the JSON array.
  return JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as Packed[];
}

/** A TypeScript consumer (consumer.ts) under one module resolution; no @types (so no @types/node). */
async function typecheck(app: string, name: string, options: Record<string, unknown>, file = 'consumer.ts'): Promise<string> {
  const config = `tsconfig.${name}.json`;
  writeJson(path.join(app, config), {
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', types: [], ...options },
    files: [file],
  });
  const { seconds } = await node([TSC, '--noEmit', '--strict', '-p', config], app);
  return `tsc --noEmit --strict (${Object.entries(options).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}, skipLibCheck false, types []) clean in ${seconds.toFixed(1)} s`;
}

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>kalloc consumer</title><script type="module" src="/page.js"></script>';

/** Serves the bundle cross-origin isolated (COOP same-origin + COEP require-corp), on localhost. */
function serveIsolated(dir: string): Promise<Server> {
  const server = createServer((request, response) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    const file = request.url === '/' ? undefined : path.join(dir, path.basename(request.url ?? ''));
    if (file === undefined) {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
    } else if (file.endsWith('.js') && existsSync(file)) {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(readFileSync(file));
    } else {
      response.writeHead(404, headers).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResult {
  error?: string;
  allocators: string[];
  ran: Record<string, number>;
  sum: number;
  workerObjects: number;
  remoteFrees: number;
}

async function runInChromium(web: string): Promise<PageResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install -y --no-install-recommends chromium)`);
  const server = await serveIsolated(web);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request outside the page's server: ${r.url()}`);
    });
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker console error: ${m.text()}`)));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => 'kallocResult' in globalThis, undefined, { timeout: 30_000 });
    const result = (await page.evaluate(() => (globalThis as unknown as { kallocResult: unknown }).kallocResult)) as PageResult;
    assert.deepEqual(problems, [], 'no console error, page error or outside request');
    assert.equal(result.error, undefined);
    return result;
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The allocator classes `kalloc` exports, read from the installed package in plain Node. */
async function exportedAllocators(app: string): Promise<string[]> {
  const script = "const k = await import('kalloc'); console.log(JSON.stringify(Object.keys(k).filter((n) => /(Allocator|Heap)$/.test(n))))";
  return JSON.parse((await node(['--input-type=module', '-e', script], app)).stdout) as string[];
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kalloc-consumer-'));
  const tarballs = path.join(tmp, 'tarballs');
  const app = path.join(tmp, 'app');
  const alone = path.join(tmp, 'alone');
  for (const dir of [tarballs, app, alone]) mkdirSync(dir);
  console.log(`consumer check: Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${new Date().toISOString().slice(0, 10)}`);
  let kallocTgz = '';
  let labTgz = '';
  try {
    const packedOk = await check('npm pack', async () => {
      const packed = await pack(tarballs);
      const kalloc = packed.find((p) => /^kalloc-\d/.test(p.filename));
      const lab = packed.find((p) => p.filename.startsWith('kalloc-lab-'));
      assert.ok(kalloc && lab, `both tarballs (got ${packed.map((p) => p.filename).join(', ')})`);
      kallocTgz = path.join(tarballs, kalloc.filename);
      labTgz = path.join(tarballs, lab.filename);
      const size = statSync(kallocTgz).size;
      assert.ok(size <= MAX_TARBALL_KB * 1024, `${kalloc.filename} is ${kb(size)}, over the ${MAX_TARBALL_KB} KB target`);
      return `${kalloc.filename} ${kb(size)} (target <= ${MAX_TARBALL_KB} KB), ${lab.filename} ${kb(statSync(labTgz).size)}`;
    });
    const installed =
      packedOk &&
      (await check('npm install both tarballs', async () => {
        writeJson(path.join(app, 'package.json'), { name: 'kalloc-consumer', private: true, type: 'module' });
        const { seconds } = await npm(['install', '--prefer-offline', kallocTgz, labTgz], app);
        const count = (await npm(['ls', '--all', '--parseable'], app)).stdout.trim().split('\n').length - 1;
        return `kalloc + kalloc-lab into a fresh project: ${count} packages in ${seconds.toFixed(1)} s`;
      }));
    const ALL = ['node app.mjs', "import 'kalloc' time", 'tsc NodeNext', 'tsc Bundler', 'esbuild --platform=browser', 'Chromium', 'npm ls --omit=dev', 'kalloc alone', 'npx kalloc lab --quick', 'tsc kalloc/webgpu'];
    if (!installed) {
      skip(ALL, 'nothing installed');
      return;
    }
    for (const file of readdirSync(FIXTURES)) copyFileSync(path.join(FIXTURES, file), path.join(app, file));

    await check(ALL[0]!, async () => (await node(['app.mjs'], app)).stdout.trim());

    await check(ALL[1]!, async () => {
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < IMPORT_RUNS; i++) {
        const [runWall, runCpu] = (await node(['import-time.mjs'], app)).stdout.trim().split(' ').map(Number);
        walls.push(runWall!);
        cpus.push(runCpu!);
      }
      // Wall time is the target; on an oversubscribed machine it measures the scheduler, so there
      // the CPU time of the importing process (equal to wall when idle) is what is held to it.
      const [wall, cpu] = [median(walls), median(cpus)];
      const load = os.loadavg()[0]!;
      const idle = load < os.cpus().length;
      const figures = `wall median ${wall.toFixed(1)} ms (min ${Math.min(...walls).toFixed(1)}, max ${Math.max(...walls).toFixed(1)}), CPU median ${cpu.toFixed(1)} ms, ${IMPORT_RUNS} fresh processes, load ${load.toFixed(1)}`;
      assert.ok(cpu <= MAX_IMPORT_MS, `${figures}: CPU over the ${MAX_IMPORT_MS} ms target`);
      if (idle) assert.ok(wall <= MAX_IMPORT_MS, `${figures}: over the ${MAX_IMPORT_MS} ms target`);
      return `${figures} (target <= ${MAX_IMPORT_MS} ms; ${idle ? 'wall and CPU held to it' : `wall not held to it under load on ${os.cpus().length} cores`})`;
    });

    await check(ALL[2]!, () => typecheck(app, 'nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'] }));
    await check(ALL[3]!, () => typecheck(app, 'bundler', { module: 'Preserve', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'] }));
    // kalloc/webgpu's types name the WebGPU globals: its users install @webgpu/types (the version
    // the repository pins) and nothing else.
    await check(ALL[9]!, async () => {
      const pinned = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@webgpu/types'];
      await npm(['install', '--prefer-offline', '--save-dev', `@webgpu/types@${pinned}`], app);
      const line = await typecheck(app, 'webgpu', { module: 'Preserve', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'] }, 'webgpu-consumer.ts');
      return `with @webgpu/types ${pinned}: ${line}`;
    });

    const web = path.join(app, 'web');
    const bundled = await check(ALL[4]!, async () => {
      const exported = await exportedAllocators(app);
      const imported = /import \{([^}]+)\} from 'kalloc'/.exec(readFileSync(path.join(app, 'page.mjs'), 'utf8'))?.[1]?.split(',').map((s) => s.trim());
      assert.deepEqual([...(imported ?? [])].sort(), [...exported].sort(), 'page.mjs imports every allocator kalloc exports');
      await run(ESBUILD, ['page.mjs', 'worker.mjs', 'range-only.mjs', '--bundle', '--platform=browser', '--format=esm', '--target=es2022', `--outdir=${web}`, '--log-level=warning'], app);
      const [pageJs, workerJs, rangeOnlyJs] = ['page.js', 'worker.js', 'range-only.js'].map((f) => statSync(path.join(web, f)).size) as [number, number, number];
      // Not a target, a guard: a bundle of one allocator must not drag in the whole library.
      assert.ok(rangeOnlyJs < pageJs / 2, `tree shaking: range-only.js ${kb(rangeOnlyJs)} vs page.js ${kb(pageJs)}`);
      return `page.mjs (imports ${exported.join(', ')}) and worker.mjs bundled with no externals: page.js ${kb(pageJs)}, worker.js ${kb(workerJs)}; RangeAllocator alone ${kb(rangeOnlyJs)}`;
    });
    if (bundled) {
      await check(ALL[5]!, async () => {
        const result = await runInChromium(web);
        assert.deepEqual(result.ran && Object.keys(result.ran).sort(), [...result.allocators].filter((n) => n !== 'SharedHeap').sort());
        return `cross-origin isolated page + module Worker: ${result.allocators.length} allocators ran; RangeAllocator slots in a SharedArrayBuffer, sum ${result.sum}; SharedHeap shared: ${result.workerObjects} worker objects checked and freed, ${result.remoteFrees} remote frees, heap empty; no console error`;
      });
    } else {
      skip([ALL[5]!], 'no bundle');
    }

    await check(ALL[6]!, async () => {
      const tree = JSON.parse((await npm(['ls', '--omit=dev', '--all', '--json'], app)).stdout) as {
        dependencies: Record<string, { version: string; dependencies?: Record<string, unknown> }>;
      };
      const kalloc = tree.dependencies.kalloc;
      assert.ok(kalloc, 'kalloc is listed');
      assert.deepEqual(Object.keys(kalloc.dependencies ?? {}), [], 'kalloc has no dependencies');
      const manifest = JSON.parse(readFileSync(path.join(app, 'node_modules/kalloc/package.json'), 'utf8')) as Record<string, unknown>;
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) assert.equal(manifest[field], undefined, `kalloc's package.json has no ${field}`);
      return `kalloc ${kalloc.version} with no dependencies of its own`;
    });

    await check(ALL[7]!, async () => {
      writeJson(path.join(alone, 'package.json'), { name: 'kalloc-alone', private: true, type: 'module' });
      await npm(['install', '--offline', kallocTgz], alone);
      const count = (await npm(['ls', '--all', '--parseable'], alone)).stdout.trim().split('\n').length - 1;
      assert.equal(count, 1, 'kalloc installs alone');
      const maps = mapsWithMissingSources(path.join(alone, 'node_modules/kalloc/dist'));
      assert.deepEqual(maps.broken, [], 'every source map points at files that ship');
      return `npm install --offline kalloc: ${count} package, ${kb(bytesUnder(path.join(alone, 'node_modules')))} installed, 0 dependencies; ${maps.checked} declaration maps resolve`;
    });

    await check(ALL[8]!, async () => {
      const out = path.join(tmp, 'report');
      const lab = await npm(['exec', '--no', '--', 'kalloc', 'lab', '--quick', '--out', out], app);
      const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { scenarios: unknown[] };
      assert.ok(statSync(path.join(out, 'report.html')).size > 0, 'report.html written');
      const version = (await npm(['exec', '--no', '--', 'kalloc', '--version'], app)).stdout.trim();
      return `kalloc ${version} from kalloc-lab: exit 0, ${results.scenarios.length} scenarios, report.html + results.json written in ${lab.seconds.toFixed(1)} s`;
    });
  } finally {
    if (process.env.KALLOC_KEEP) console.log(`  kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
    console.log(`consumer: ${passed} passed, ${failed} failed`);
    if (failed > 0) process.exitCode = 1;
  }
}

await main();
