// Builds dist/ for the published package:
//   - JavaScript: each entry of package.json `exports` (its `source` file built to its `default`
//     file) bundled by esbuild, code shared between entries split into dist/chunks/ so that a class has one identity across `kalloc`,
//     `kalloc/node` and `kalloc/internal`. One file per entry instead of ~60 modules makes
//     `import 'kalloc'` about three times faster in Node (the ESM loader costs ~1 ms per file).
//   - Types: .d.ts (+ declaration maps into src/, which ships) emitted by tsc, one per module.
// Run from packages/kalloc: `node scripts/build.mjs` (the package's `build` script).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(PACKAGE, 'dist');
const manifest = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
// { in: 'src/index.ts', out: 'index' } for `"." : { "source": "./src/index.ts", "default": "./dist/index.js" }`
const ENTRIES = Object.values(manifest.exports)
  .filter((target) => typeof target === 'object' && target.source)
  .map((target) => ({ in: target.source, out: target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '') }));
// Files a bundle opens at run time by `new URL('./name', import.meta.url)`: copied beside it.
const RUNTIME_FILES = { 'src/node/tsx-worker.mjs': 'dist/tsx-worker.mjs' };

rmSync(DIST, { recursive: true, force: true });

await build({
  absWorkingDir: PACKAGE,
  entryPoints: ENTRIES,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  // Neutral: the main entry must stay browser-safe; only `kalloc/node` imports node: modules.
  platform: 'neutral',
  external: ['node:*'],
  target: 'es2022',
  // Readable, unminified output (minifying defeats a bundler's tree shaking of `kalloc`, see the
  // consumer check) and no .js.map: the tarball stays within its 300 KB budget. The .d.ts maps
  // lead an editor's go-to-definition into src/, which ships with its comments.
  sourcemap: false,
  logLevel: 'warning',
});

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PACKAGE, stdio: 'inherit' });

for (const [from, to] of Object.entries(RUNTIME_FILES)) copyFileSync(path.join(PACKAGE, from), path.join(PACKAGE, to));

// Bundling renames a top-level name that two modules share; an exported class or function must
// keep its own (`err.constructor.name`, stack traces). keepNames would, but defeats tree shaking.
for (const entry of ENTRIES) {
  const exports = await import(new URL(`../dist/${entry.out}.js`, import.meta.url).href);
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function' && value.name !== name) throw new Error(`dist/${entry.out}.js exports ${name} named ${value.name}`);
  }
}

// Every file a bundle refers to by `new URL('...', import.meta.url)` must exist beside it.
for (const file of readdirSync(DIST, { recursive: true })) {
  if (!file.endsWith('.js')) continue;
  const code = readFileSync(path.join(DIST, file), 'utf8');
  for (const [, relative] of code.matchAll(/new URL\(\s*["'`]([^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g)) {
    const target = path.resolve(DIST, path.dirname(file), relative);
    if (!existsSync(target)) throw new Error(`dist/${file} opens ${relative}, but ${path.relative(PACKAGE, target)} was not built`);
  }
}
