import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import fc from 'fast-check';
import { interleave, judge, judgeAll, judgeRatio, NOISY_SPREAD, appliesFrom } from '../packages/lab/src/kit/claims.ts';
import { claimResults } from '../packages/lab/src/run.ts';
import { formatRatio, NO_RATIO, RATIO_LIMIT } from '../packages/lab/src/format.ts';
import { advantage, fittedTable, renderScenarioTable, renderSummary, everyClaimMet, TABLE_WIDTH, wrapText } from '../packages/lab/src/table.ts';
import { renderLabReport } from '../packages/lab/src/report/index.ts';
import { renderInspectionPage, NOTHING_TO_SHOW } from '../packages/lab/src/report/inspect-page.ts';
import { inspectProcFile } from '../packages/lab/src/inspect.ts';
import type { LabResults, ScenarioResult } from '../packages/lab/src/results.ts';

test('judge: a claim over no data is "not measured", never met', () => {
  assert.equal(judge('c', undefined, 'nothing').status, 'not measured');
  assert.equal(judge('c', true, '').status, 'met');
  assert.equal(judge('c', false, '').status, 'not met');
  const [r] = claimResults('c', { figures: {}, claims: [judge('c', undefined, '0 vs 0')] });
  assert.equal(r!.met, false);
});

test('judgeAll: met only when every part is; not met beats not measured beats too noisy', () => {
  const met = judge('', true, 'a');
  const notMet = judge('', false, 'b');
  const none = judge('', undefined, 'c');
  const noisy = judgeRatio('', [0.5, 1.5], 1);
  assert.equal(noisy.status, 'too noisy');
  assert.deepEqual(judgeAll('t', [met, met]), { text: 't', status: 'met', detail: 'a; a' });
  assert.equal(judgeAll('t', [met, noisy, none, notMet]).status, 'not met');
  assert.equal(judgeAll('t', [met, noisy, none]).status, 'not measured');
  assert.equal(judgeAll('t', [noisy, met]).status, 'too noisy');
  assert.equal(judgeAll('t', []).status, 'not measured');
});

test('judgeRatio: met or not met when the repetitions agree; the median decides a narrow straddle; too noisy beyond NOISY_SPREAD', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 9 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (samples, threshold) => {
      const { status } = judgeRatio('c', samples, threshold);
      const min = Math.min(...samples);
      const max = Math.max(...samples);
      if (min >= threshold) return status === 'met';
      if (max < threshold) return status === 'not met';
      if (max / min > NOISY_SPREAD) return status === 'too noisy';
      const sorted = [...samples].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      return status === (median >= threshold ? 'met' : 'not met');
    }),
  );
  assert.equal(judgeRatio('c', [], 1).status, 'not measured');
  assert.equal(judgeRatio('c', [Number.NaN, Infinity], 1).status, 'not measured');
  assert.match(judgeRatio('c', [0.5, 2], 1).detail, /median of 2, 0\.50x-2\.00x/);
});

test('interleave: every run gets every repetition, alternating the order', () => {
  const order: string[] = [];
  const out = interleave(3, [(r) => (order.push(`a${r}`), r), (r) => (order.push(`b${r}`), 10 + r)]);
  assert.deepEqual(out, [[0, 1, 2], [10, 11, 12]]);
  assert.deepEqual(order, ['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
});

test('appliesFrom: excluded below the size, with both sizes in the reason', () => {
  assert.equal(appliesFrom('c', 8, 8, String, 'why'), undefined);
  assert.deepEqual(appliesFrom('c', 2, 8, (n) => `${n} GiB`, 'why'), { text: 'c', reason: 'applies from 8 GiB (this run: 2 GiB): why' });
});

test('ratios: ">1000x" beyond the limit, "—" where a ratio means nothing (0 vs 0, x vs 0)', () => {
  assert.equal(formatRatio(262144), `>${RATIO_LIMIT}x`);
  assert.equal(formatRatio(Infinity), NO_RATIO);
  assert.equal(formatRatio(Number.NaN), NO_RATIO);
  assert.equal(formatRatio(3.414), '3.41x');
  assert.equal(formatRatio(0), '0x', 'none of it is a ratio that means something');
  const r = result({ a: { x: 0, y: 5, z: 4 }, b: { x: 0, y: 0, z: 2 } });
  assert.equal(advantage(r, 'x'), undefined, '0 vs 0');
  assert.equal(advantage(r, 'y'), undefined, 'x vs 0');
  assert.equal(advantage(r, 'z'), 0.5);
  const table = renderScenarioTable(r);
  assert.match(table, /│ x \(ms\) +│ +0 │ +0 │ +— │/);
});

function result(figures: Record<string, Record<string, number>>, claims: ScenarioResult['claims'] = []): ScenarioResult {
  return {
    name: 'demo', claim: 'c', met: claims.length > 0 && claims.every((c) => c.met), figures, claims, title: 't', verdict: '', designs: Object.keys(figures),
    metrics: { x: { unit: 'ms', better: 'lower' }, y: { unit: 'ms', better: 'lower' }, z: { unit: 'ms', better: 'lower' } },
    parameters: 'p', command: 'npx kalloc lab demo', seconds: 0,
  };
}

test('tables: at most TABLE_WIDTH columns, no separator under every row, headers wrap', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 6 }), fc.array(fc.integer({ min: -1e8, max: 1e8 }), { minLength: 1, maxLength: 5 }), (head, values) => {
      const rows = values.map((v) => head.map((_, c) => (c === 0 ? `metric ${v}` : v.toLocaleString('en-US'))));
      const text = fittedTable(head.map((h) => h.replace(/\s/g, '_')), rows);
      return text.split('\n').every((l) => l.length <= TABLE_WIDTH) && !text.includes('├');
    }),
  );
});

test('prose: claims, notes and parameters wrap to TABLE_WIDTH columns with a hanging indent, no word lost', () => {
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z0-9,.()-]{1,30}$/), { minLength: 1, maxLength: 80 }), (words) => {
      const text = words.join(' ');
      const lines = wrapText(text).split('\n');
      return lines.every((l) => l.length <= TABLE_WIDTH) && lines.slice(1).every((l) => l.startsWith('  ') && !l.startsWith('   ')) && lines.join(' ').split(/ +/).join(' ') === text;
    }),
  );
  const long = 'x'.repeat(TABLE_WIDTH + 5);
  assert.equal(wrapText(`a ${long} b`), `a\n  ${long}\n  b`, 'a word longer than the width stays whole on its own line');
  const r = { ...result({ a: { x: 1 }, b: { x: 2 } }, [{ text: 'word '.repeat(60).trim(), met: true, status: 'met', detail: 'detail '.repeat(30).trim() }]), notes: ['note '.repeat(50).trim()] };
  for (const l of stripVTControlCharacters(renderScenarioTable(r)).split('\n')) assert.ok(l.length <= TABLE_WIDTH, `${l.length} columns: ${l}`);
});

test('summary: names every claim not met; everyClaimMet is what --strict exits on', () => {
  const results: LabResults = {
    version: 1, machine: { cpu: 'c', cores: 2, node: 'v20' }, date: '2026-01-01T00:00:00Z',
    scenarios: [
      result({ a: {}, b: {} }, [{ text: 'fast enough', met: true, status: 'met', detail: '' }, { text: 'over nothing', met: false, status: 'not measured', detail: '' }]),
      { ...result({ a: {}, b: {} }, [{ text: 'noisy one', met: false, status: 'too noisy', detail: '' }]), name: 'other', excluded: [{ text: 'big one', reason: 'applies from 8 GiB' }] },
    ],
  };
  // Colour depends on the terminal (picocolors turns it on under CI=1): compare the plain text.
  const text = stripVTControlCharacters(renderSummary(results));
  assert.match(text, /^1 of 3 claims met \(1 more do not apply at this size\)\./);
  assert.match(text, /not measured: demo: over nothing/);
  assert.match(text, /too noisy to decide: other: noisy one/);
  assert.doesNotMatch(text, /fast enough/);
  assert.equal(everyClaimMet(results), false);
  assert.equal(everyClaimMet({ ...results, scenarios: [result({ a: {} }, [{ text: 't', met: true, status: 'met', detail: '' }])] }), true);
});

test('report: progress reaches 100%', async () => {
  const calls: [number, number][] = [];
  await renderLabReport({ version: 1, machine: { cpu: 'c', cores: 2, node: 'v20' }, date: '2026-01-01T00:00:00Z', scenarios: [result({ a: { x: 1 }, b: { x: 2 } })] }, undefined, (d, t) => calls.push([d, t]));
  assert.deepEqual(calls.at(-1), [1, 1]);
});

test('inspect report: an all -1 fragmentation index says there is nothing to show instead of a flat line', async () => {
  // Every zone has a free block of the largest order: the index is -1 at every order.
  const text = 'Node 0, zone   Normal      1      1      1      1      1      1      1      1      1      1      5\n';
  const inspection = inspectProcFile('buddyinfo', text);
  const html = await renderInspectionPage('buddyinfo', inspection);
  assert.ok(html.includes(NOTHING_TO_SHOW.replace(/"/g, '&quot;')));
  assert.doesNotMatch(html, /Fragmentation index by order/);
  assert.match(html, /Unusable free index by order/);
  assert.match(html, /fragmentation index \(debugfs extfrag_index\): -1\.000 = /);
});
