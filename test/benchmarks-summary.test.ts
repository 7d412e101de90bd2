import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { LabResults } from '../packages/lab/src/results.ts';
import { BEGIN, DOC, END, RECORD, summaryTable, withSummary } from '../scripts/benchmarks-summary.ts';

test('docs/BENCHMARKS.md: the lab table is exactly what the recorded run says (npm run bench:summary)', async () => {
  const [doc, record] = await Promise.all([readFile(DOC, 'utf8'), readFile(RECORD, 'utf8')]);
  const results = JSON.parse(record) as LabResults;
  assert.equal(withSummary(doc, summaryTable(results)), doc, 'run npm run bench:summary');
  // Every claim of the run has its row, with its verdict.
  for (const s of results.scenarios) for (const c of s.claims) assert.ok(doc.includes(`| ${s.name} | ${c.text.replace(/\|/g, '\\|')} |`), `${s.name}: ${c.text}`);
});

test('bench:summary: rows per claim and excluded claim; markers required', () => {
  const results: LabResults = {
    version: 1, machine: { cpu: 'CPU', cores: 2, node: 'v20' }, date: '2026-12-01T00:00:00Z',
    scenarios: [{
      name: 's', claim: 'a; b', met: false, figures: {}, title: 't', verdict: '', designs: [], metrics: {}, parameters: '', command: '', seconds: 0,
      claims: [{ text: 'a | pipe', met: true, status: 'met', detail: '2x' }, { text: 'b', met: false, status: 'not measured', detail: '0 vs 0' }],
      excluded: [{ text: 'c', reason: 'applies from 8 GiB' }],
    }],
  };
  const table = summaryTable(results);
  assert.match(table, /1 of 2 claims met/);
  assert.match(table, /\| s \| a \\\| pipe \| 2x \| met \|/);
  assert.match(table, /\| s \| b \| 0 vs 0 \| \*\*not measured\*\* \|/);
  assert.match(table, /\| s \| c \| applies from 8 GiB \| does not apply \|/);
  assert.equal(withSummary(`x\n${BEGIN}\nold\n${END}\ny`, 'new'), `x\n${BEGIN}\nnew\n${END}\ny`);
  assert.throws(() => withSummary('no markers', 'new'), /markers/);
});
