/**
 * The webgpu-clear scenario where no browser with WebGPU is installed: it is reported as skipped,
 * never as met, and the table, the report and the CLI summary say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

process.env.CHROMIUM = '/nonexistent/chromium';
const { runLab } = await import('../packages/lab/src/run.ts');
const { renderLabReport } = await import('../packages/lab/src/report/index.ts');
const { renderScenarioTable } = await import('../packages/lab/src/table.ts');

test('webgpu-clear without Chromium: skipped with the reason, not met', async () => {
  const results = await runLab({ names: ['webgpu-clear'], quick: true });
  const [r] = results.scenarios;
  assert.equal(r?.name, 'webgpu-clear');
  assert.equal(r.met, false);
  assert.match(r.skipped ?? '', /no Chromium at \/nonexistent\/chromium/);
  assert.deepEqual(r.figures, {});
  const html = await renderLabReport(results);
  // A skip measured nothing: its claim is "not measured", with the reason, never met.
  assert.deepEqual(r.claims.map((c) => c.status), ['not measured']);
  assert.match(html, /0 of 1 claims met/);
  assert.match(html, /<span class="badge undecided">not measured<\/span>/);
  assert.match(html, /skipped: no Chromium/);
  assert.match(renderScenarioTable(r), /skipped: no Chromium/);
});
