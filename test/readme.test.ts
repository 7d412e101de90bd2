import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The README's API example is code users paste: it must run against the library as written.
test('README: the API example runs as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'README has a ts example');
  const index = pathToFileURL(new URL('../packages/kalloc/src/index.ts', import.meta.url).pathname).href;
  const file = join(mkdtempSync(join(tmpdir(), 'kalloc-readme-')), 'example.ts');
  const logged: unknown[] = [];
  const realLog = console.log;
  console.log = (...args: unknown[]) => void logged.push(args);
  try {
    writeFileSync(file, example.replace(/from 'kalloc'/g, `from '${index}'`));
    await import(pathToFileURL(file).href);
  } finally {
    console.log = realLog;
  }
  assert.deepEqual(logged, [], 'the example prints nothing unexpected (its window has room)');
});
