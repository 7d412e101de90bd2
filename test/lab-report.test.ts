import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LabResults, ScenarioResult } from '../packages/lab/src/results.ts';
import type { MemoryMap } from '../packages/lab/src/scenario.ts';
import { chartSpec, columnShares, escapeHtml, renderLabReport, renderMemoryMaps } from '../packages/lab/src/report/index.ts';
import { metricLabel } from '../packages/lab/src/table.ts';
import { judge } from '../packages/lab/src/kit/claims.ts';
import { ReviewThread } from '../packages/lab/src/kit/review.ts';
import { claimResults } from '../packages/lab/src/run.ts';

/** A small synthetic lab run: one claim met with a chart and maps, one not met, hostile text. */
function syntheticResults(): LabResults {
  const segments = (n: number, busyEvery: number) =>
    Array.from({ length: n }, (_, i) => ({ start: i * 4096, end: (i + 1) * 4096, state: i % busyEvery === 0 ? 'used' : 'free' }));
  const fast: ScenarioResult = {
    name: 'demo-fast',
    claim: 'the tree is >= 3x faster than the list on 10,000 allocations',
    met: true,
    claims: [{ text: 'the tree is >= 3x faster than the list on 10,000 allocations', met: true, status: 'met', detail: '5.00x >= 3x' }],
    figures: { tree: { 'alloc ops/s': 3_000_000, 'largest free': 1 << 20 }, list: { 'alloc ops/s': 600_000, 'largest free': 1 << 19 } },
    title: 'Tree against list',
    verdict: '5.00x >= 3x',
    designs: ['tree', 'list'],
    metrics: { 'alloc ops/s': { unit: 'ops/s', better: 'higher' }, 'largest free': { unit: 'bytes', better: 'higher' } },
    parameters: '10000 allocations of 4 KiB',
    command: 'npx kalloc lab demo-fast',
    seconds: 1.25,
    charts: [
      { title: 'Throughput over time', kind: 'line', x: 'step', y: 'ops/s', points: [1, 2, 3].flatMap((x) => [{ series: 'tree', x, y: 3e6 + x }, { series: 'list', x, y: 6e5 - x }]) },
      { title: 'Free blocks per order', kind: 'bar', x: 'order', y: 'blocks', points: [0, 1, 2].flatMap((x) => [{ series: 'tree', x, y: x + 1 }, { series: 'list', x, y: 4 - x }]) },
    ],
    maps: [
      { title: 'Address space after the run', design: 'tree', unit: 'bytes', start: 0, end: 4096 * 1000, segments: segments(1000, 4) },
      { title: 'Address space after the run', design: 'list', unit: 'bytes', start: 0, end: 4096 * 1000, segments: segments(1000, 2) },
    ],
    notes: ['a note'],
  };
  const hostile: ScenarioResult = {
    name: 'demo-<script>',
    claim: 'claims with <b>markup</b> & "quotes" are shown as text',
    met: false,
    claims: [
      { text: 'claims with <b>markup</b> & "quotes" are shown as text', met: false, status: 'not met', detail: '0.5x < 2x' },
      { text: 'a claim over no data', met: false, status: 'not measured', detail: '0 vs 0' },
    ],
    figures: { new: { latency: 2 }, old: { latency: 1 } },
    title: 'Escaping <script>alert(1)</script>',
    verdict: '0.5x < 2x',
    designs: ['new', 'old'],
    metrics: { latency: { unit: 'ms', better: 'lower' } },
    parameters: 'n = <1>',
    command: 'npx kalloc lab "demo-<script>"',
    seconds: 0.1,
  };
  return { version: 1, machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' }, date: '2026-11-22T05:40:00.000Z', scenarios: [fast, hostile] };
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

test('report: one section per scenario with claim, verdict, figures table, charts and maps', async () => {
  const results = syntheticResults();
  const html = await renderLabReport(results);
  assert.match(html, /^<!doctype html>/);
  assert.equal(count(html, /<section class="scenario"/g), 2);
  assert.equal(count(html, /<script/gi), 0, 'no script, not even from scenario text');
  assert.equal(count(html, /https?:\/\/(?!www\.w3\.org)/g), 0, 'no network references');
  // Scenario 1: figures bars + 2 charts = 3 Vega SVGs, and one memory-map SVG for its 2 designs.
  // Scenario 2: figures bars. Every SVG is inline.
  assert.equal(count(html, /<svg class="memory-map"/g), 1);
  assert.equal(count(html, /<svg[\s>]/g), 5);
  assert.equal(count(html, /<g class="mm-row">/g), 2);
  assert.match(html, /Test CPU/);
  assert.match(html, /2 cores/);
  assert.match(html, /2026-11-22 05:40 UTC/);
  assert.match(html, /1 of 3 claims met/);
  assert.match(html, /Claim met\.<\/strong>the tree is &gt;= 3x[^<]*<div class="detail">5\.00x &gt;= 3x/);
  assert.match(html, /Claim not met\.<\/strong>[^<]*&lt;b&gt;markup[^<]*<div class="detail">0\.5x &lt; 2x/);
  assert.match(html, /Not measured\.<\/strong>a claim over no data/);
  assert.match(html, /<span class="badge undecided">not measured<\/span>/);
  // The ratio column uses advantage(): 3e6 / 6e5 = 5.00x better; latency 1 / 2 = 0.50x worse.
  assert.match(html, /class="num better"[^>]*>5\.00x</);
  assert.match(html, /class="num worse"[^>]*>0\.50x</);
  assert.match(html, /npx kalloc lab demo-fast/);
  assert.match(html, /Escaping &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&lt;b&gt;markup&lt;\/b&gt; &amp; &quot;quotes&quot;/);
  assert.match(html, /href="#s-demo-+script-"/);
});

test('report: an empty lab still renders a page', async () => {
  const html = await renderLabReport({ ...syntheticResults(), scenarios: [] });
  assert.match(html, /No scenarios ran/);
  assert.equal(count(html, /<section class="scenario"/g), 0);
});

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('memory map: column shares add up to the covered length, and each column to at most 1', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(10_000), fc.nat(500), fc.constantFrom('a', 'b', 'c')), { maxLength: 60 }),
      fc.integer({ min: 1, max: 300 }),
      (raw, columns) => {
        // Disjoint segments: sort the starts and clip each to the next.
        const sorted = [...raw].sort((x, y) => x[0] - y[0]);
        const segments = sorted.map(([s, len, state], i) => ({ start: s, end: Math.min(s + len, sorted[i + 1]?.[0] ?? Infinity), state }));
        const map: MemoryMap = { title: 't', design: 'd', unit: 'pages', start: 0, end: 10_500, segments };
        const cols = columnShares(map, columns);
        const S = cols.states.length;
        const perColumn = 10_500 / columns;
        for (let c = 0; c < columns; c++) {
          let sum = 0;
          for (let s = 0; s < S; s++) sum += cols.shares[c * S + s]!;
          assert.ok(sum <= 1 + 1e-9);
        }
        cols.states.forEach((state, s) => {
          const length = segments.filter((g) => g.state === state).reduce((n, g) => n + g.end - g.start, 0);
          assert.ok(Math.abs(cols.totals[s]! - length) < 1e-6);
          let shares = 0;
          for (let c = 0; c < columns; c++) shares += cols.shares[c * S + s]!;
          assert.ok(Math.abs(shares * perColumn - length) < 1e-6 * Math.max(1, length));
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('memory map: a million pages render to at most one rect per pixel column, with tooltips', () => {
  const segments = Array.from({ length: 1_000_000 }, (_, i) => ({ start: i, end: i + 1, state: i % 3 === 0 ? 'movable' : 'free' }));
  const t0 = performance.now();
  const svg = renderMemoryMaps([{ title: 'zone <Normal>', design: 'buddy', unit: 'pages', start: 0, end: 1_000_000, segments }]);
  const ms = performance.now() - t0;
  assert.ok(count(svg, /<rect /g) <= 960, `rects: ${count(svg, /<rect /g)}`);
  assert.ok(count(svg, /<title>/g) >= 1);
  assert.match(svg, /zone &lt;Normal&gt;/);
  assert.match(svg, /movable 33%, free 67%/);
  assert.ok(ms < 5000, `${ms} ms`);
});

test('table: a metric label names its unit once', () => {
  assert.equal(metricLabel('order-9 failed', '%'), 'order-9 failed (%)');
  assert.equal(metricLabel('fix_size ms', 'ms'), 'fix_size ms');
  assert.equal(metricLabel('4MiB ms to fail', 'ms'), '4MiB ms to fail');
  assert.equal(metricLabel('pages migrated (pages)', 'pages'), 'pages migrated (pages)');
  assert.equal(metricLabel('msgs', 'ms'), 'msgs (ms)');
  assert.equal(metricLabel('requests', undefined), 'requests');
});

test('charts: bar categories that are numbers run in numeric order whatever the series order', () => {
  const points = [
    { series: 'a', x: '2', y: 1 },
    { series: 'a', x: '17', y: 1 },
    { series: 'b', x: '16', y: 1 },
    { series: 'b', x: '10', y: 1 },
  ];
  const spec = chartSpec({ title: 't', kind: 'bar', x: 'order', y: 'blocks', points }) as { encoding: { x: { sort: unknown } } };
  assert.deepEqual(spec.encoding.x.sort, ['2', '10', '16', '17']);
  const named = chartSpec({ title: 't', kind: 'bar', x: 'kind', y: 'n', points: [{ series: 'a', x: 'free', y: 1 }, { series: 'a', x: 'busy', y: 2 }] }) as { encoding: { x: { sort: unknown } } };
  assert.deepEqual(named.encoding.x.sort, ['free', 'busy']);
});

test('report: claims that answer a reviewer\'s question fill the Review section, excluded ones say they do not apply', async () => {
  const results = syntheticResults();
  const [fast] = results.scenarios;
  const thread = new ReviewThread('a review thread');
  thread.answer('Would the tree <win>?', judge('the tree is >= 3x faster', true, '5.00x >= 3x'), 'Yes: 5.00x.', 'Throughput over time');
  thread.answer('Is the list ever better?', judge('the list is never faster', false, '0.9x'), 'Sometimes.');
  thread.exclude('Does it scale?', { text: 'big claim', reason: 'applies from 8 GiB (this run: 1 GiB)' });
  const outcome = thread.outcome();
  fast!.claims = claimResults('c', { figures: {}, ...outcome });
  fast!.excluded = outcome.excluded!;
  assert.deepEqual(fast!.claims[0]!.question, { thread: 'a review thread', question: 'Would the tree <win>?', answer: 'Yes: 5.00x.', chart: 'Throughput over time' });
  assert.equal('chart' in fast!.claims[1]!.question!, false);
  const html = await renderLabReport(results);
  assert.equal(count(html, /<section class="summary review" id="review">/g), 1);
  assert.match(html, /Would the tree &lt;win&gt;\?<br><span class="muted">a review thread<\/span><\/td><td>Yes: 5\.00x\. <a href="#s-demo-fast">\(chart: Throughput over time\)<\/a><\/td><td><span class="badge met">met<\/span>/);
  assert.match(html, /Sometimes\. <a href="#s-demo-fast">\(figures of demo-fast\)<\/a><\/td><td><span class="badge unmet">not met<\/span>/);
  assert.match(html, /Does it scale\?.*applies from 8 GiB \(this run: 1 GiB\).*does not apply at this size/);
  // Without questions there is no Review section.
  assert.doesNotMatch(await renderLabReport(syntheticResults()), /id="review"/);
});
