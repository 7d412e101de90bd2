/**
 * The lab report in a real browser (Debian's chromium via playwright-core): runs
 * `kalloc lab --quick`, opens report.html from disk and checks that every scenario section, chart
 * and memory map is there and visible, that nothing is logged as an error and nothing is fetched
 * from the network, then saves a full-page screenshot beside the report (report.png).
 * Not part of `npm test`; CI runs it after installing chromium:
 *     node --import tsx test/browser/report.browser.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { LabResults } from '../../packages/lab/src/results.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = path.resolve(ROOT, process.env.KALLOC_REPORT_DIR ?? 'kalloc-report');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const QUICK_LIMIT_S = 60;

function run(args: string[]): Promise<{ stdout: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, 'packages/lab/bin/kalloc.mjs'), ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kalloc ${args.join(' ')} failed: ${stderr}`));
      else resolve({ stdout, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

if (!existsSync(CHROMIUM)) {
  console.error(`report.browser: ${CHROMIUM} not found (apt-get install -y --no-install-recommends chromium)`);
  process.exit(1);
}

const lab = await run(['lab', '--quick', '--out', OUT]);
const reportFile = path.join(OUT, 'report.html');
assert.equal(lab.stdout.trim().split('\n').at(-1), `Report written to ${reportFile}`, 'the last line names the report');
assert.ok(lab.seconds < QUICK_LIMIT_S, `kalloc lab --quick took ${lab.seconds.toFixed(1)} s (limit ${QUICK_LIMIT_S} s)`);
const results = JSON.parse(await readFile(path.join(OUT, 'results.json'), 'utf8')) as LabResults;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const problems: string[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(reportFile).href);

  assert.equal(await page.locator('script').count(), 0, 'the report has no script');
  assert.equal(await page.locator('section.scenario').count(), results.scenarios.length);
  for (const s of results.scenarios) {
    const section = page.locator(`section#s-${s.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`);
    assert.ok(await section.isVisible(), `section ${s.name} visible`);
    assert.ok((await section.locator('h2').innerText()).includes(s.title), `${s.name}: title`);
    // One verdict per claim judged, and one per claim this size excludes, each with its status.
    const verdicts = section.locator('.verdict');
    assert.equal(await verdicts.count(), s.claims.length + (s.excluded?.length ?? 0), `${s.name}: one verdict per claim`);
    for (const [i, c] of s.claims.entries()) {
      assert.ok(await verdicts.nth(i).isVisible(), `${s.name}: claim ${i} visible`);
      assert.ok((await verdicts.nth(i).innerText()).includes(c.text), `${s.name}: claim ${i} text`);
    }
    assert.ok(await section.locator('table.figures').isVisible(), `${s.name}: figures table`);
    // Every chart the scenario returned, by its caption, plus the figures chart when drawn.
    const captions = await section.locator('figure.chart > figcaption').allInnerTexts();
    for (const c of s.charts ?? []) assert.ok(captions.includes(c.title), `${s.name}: chart "${c.title}"`);
    const mapTitles = [...new Set((s.maps ?? []).map((m) => m.title))];
    assert.equal(await section.locator('figure.map').count(), mapTitles.length, `${s.name}: one map figure per map title`);
    assert.equal(await section.locator('svg.memory-map g.mm-row').count(), (s.maps ?? []).length, `${s.name}: one strip per map`);
    // Legends name the designs as the scenario does (one name per design, from the registry).
    for (const c of s.charts ?? []) {
      const series = new Set(c.points.map((p) => p.series));
      if ([...series].some((x) => s.designs.includes(x))) for (const x of series) assert.ok(s.designs.includes(x), `${s.name}: legend "${x}" is one of ${s.designs.join(', ')}`);
    }
    // Memory maps of several designs are drawn only where they differ.
    const maps = s.maps ?? [];
    if (maps.length >= 2 && maps.every((m) => m.title === maps[0]!.title)) {
      assert.ok(maps.some((m) => JSON.stringify(m.segments) !== JSON.stringify(maps[0]!.segments)), `${s.name}: identical memory maps drawn`);
    }
    // No bar of a facet cell ends on or beyond the cell's frame (clipped).
    for (const fig of await section.locator('figure.chart').all()) {
      await fig.scrollIntoViewIfNeeded();
      for (const cell of await fig.locator('g.role-scope.cell').all()) {
        const frame = await cell.locator(':scope > g > path.background').first().boundingBox();
        if (!frame) continue;
        for (const bar of await cell.locator('g.mark-rect.role-mark path').all()) {
          const box = await bar.boundingBox();
          if (!box || box.y + box.height / 2 < frame.y || box.y + box.height / 2 > frame.y + frame.height) continue;
          assert.ok(box.x + box.width <= frame.x + frame.width - 0.5, `${s.name}: a bar reaches the edge of its chart (clipped)`);
        }
      }
    }
    for (const svg of await section.locator('figure svg').all()) {
      await svg.scrollIntoViewIfNeeded();
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 20, `${s.name}: an SVG is visible (${JSON.stringify(box)})`);
      assert.ok((await svg.locator('rect, path, line').count()) > 0, `${s.name}: an SVG has marks`);
    }
  }
  const screenshot = path.join(OUT, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.deepEqual(problems, []);
  const svgs = await page.locator('svg').count();
  console.log(`report.browser: ${results.scenarios.length} scenarios, ${svgs} SVGs, lab --quick ${lab.seconds.toFixed(1)} s; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
