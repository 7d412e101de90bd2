/**
 * GpuHeap on real WebGPU: Debian's Chromium, headless through playwright-core, with WebGPU on
 * SwiftShader. The page (webgpu-page.ts, bundled by esbuild) runs the churn for both designs,
 * the misuse cases and the chunk and idle-clearer checks; this side asserts on what it returns,
 * then loads examples/webgpu and checks its live readout and a clean console.
 * Not part of `npm test`; CI runs it after installing chromium:
 *     node --conditions=source --import tsx test/browser/webgpu.browser.ts
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openWebGpuPage, webGpuUnavailable } from '../../packages/lab/src/browser.ts';
import type { WebGpuTests } from './webgpu-results.ts';

type PageGlobal = { kallocWebGpu: WebGpuTests };

const STEPS = Number(process.env.KALLOC_CHURN_STEPS ?? 3000);
const unavailable = await webGpuUnavailable();
if (unavailable !== undefined) {
  console.error(`webgpu.browser: ${unavailable}`);
  process.exit(1);
}

const t0 = performance.now();
const tests = await openWebGpuPage({ entry: fileURLToPath(new URL('webgpu-page.ts', import.meta.url)) });
try {
  const { page } = tests;
  for (const [design, seed] of [['unified', 1], ['legacy', 2]] as const) {
    const r = await page.evaluate(([d, s, n]) => (globalThis as never as PageGlobal).kallocWebGpu.churn(d, s, n), [design, seed, STEPS] as const);
    assert.deepEqual(r.failures, [], `${design}: ${r.failures.slice(0, 5).join('\n')}`);
    // The run exercised what it claims to: clear and dirty, contiguous or not, several chunks,
    // failures, idle clears, and clearing on the allocation path that readback verified.
    assert.ok(r.clearAllocs > STEPS / 5 && r.allocs - r.clearAllocs > STEPS / 5, `${design}: ${r.clearAllocs} of ${r.allocs} allocations clear`);
    assert.ok(r.contiguousAllocs > STEPS / 5 && r.allocs - r.contiguousAllocs > STEPS / 5, `${design}: ${r.contiguousAllocs} contiguous`);
    assert.ok(r.maxChunks >= 2 && r.failedAllocs > 0 && r.idleCalls > 0 && r.clearedFrees > 0, `${design}: ${JSON.stringify(r)}`);
    assert.ok(r.stats.bytesClearedOnAlloc > 0 && r.stats.bytesClearedIdle > 0, `${design}: ${JSON.stringify(r.stats)}`);
    assert.equal(r.traffic.bytes, r.stats.bytesClearedOnAlloc + r.stats.bytesClearedIdle);
    assert.equal(r.traffic.calls, r.stats.clearCalls);
    console.log(
      `webgpu.browser: ${design}: ${r.steps} steps, ${r.allocs} allocations (${r.clearAllocs} clear, ${r.contiguousAllocs} contiguous, ${r.failedAllocs} failed), ` +
        `${r.frees} frees (${r.clearedFrees} cleared), ${r.idleCalls} clearIdle; ${(r.bytesVerified / 2 ** 20).toFixed(1)} MiB read back all zero; ` +
        `cleared ${(r.stats.bytesClearedOnAlloc / 2 ** 20).toFixed(1)} MiB on alloc + ${(r.stats.bytesClearedIdle / 2 ** 20).toFixed(1)} MiB idle in ${r.stats.clearCalls} calls`,
    );
  }

  const m = await page.evaluate(() => (globalThis as never as PageGlobal).kallocWebGpu.misuse());
  assert.deepEqual(m.failures, []);
  assert.ok(m.cases >= 30, `${m.cases} misuse cases`);

  const c = await page.evaluate(() => (globalThis as never as PageGlobal).kallocWebGpu.chunksAndIdle());
  assert.deepEqual(c.failures, []);
  assert.equal(c.spread.buffers, 3, 'a 2.5 MiB allocation over 1 MiB chunks spans three buffers');
  assert.equal(c.idle.clearAvail, c.idle.size, 'the idle clearer cleared all dirty free memory');
  assert.ok(c.idle.cleared > 0);
  assert.equal(c.idle.stoppedAt, 0, 'clearWhenIdle(0) stops it');
  assert.deepEqual(tests.problems, []);
  console.log(`webgpu.browser: ${m.cases} misuse cases; spread over ${c.spread.buffers} buffers; idle clearer cleared ${c.idle.cleared} bytes`);
} finally {
  await tests.close();
}

// The example: it runs frames on its own and shows the heap's stats.
const example = await openWebGpuPage({
  entry: fileURLToPath(new URL('../../examples/webgpu/main.ts', import.meta.url)),
  html: await readFile(new URL('../../examples/webgpu/index.html', import.meta.url), 'utf8'),
});
try {
  const { page } = example;
  await page.waitForFunction("Number(document.querySelector('#frames')?.textContent) >= 60", undefined, { timeout: 60_000 });
  const readout = JSON.parse((await page.locator('#stats').textContent()) ?? '{}') as Record<string, number>;
  for (const key of ['chunks', 'size', 'used', 'clearAvail', 'bytesClearedOnAlloc', 'bytesClearedIdle', 'clearCalls', 'allocations']) {
    assert.equal(typeof readout[key], 'number', `the readout shows ${key}`);
  }
  assert.ok(readout.allocations! > 0 && readout.used! > 0 && readout.clearCalls! > 0, JSON.stringify(readout));
  assert.equal(await page.locator('#status').textContent(), 'running');
  assert.deepEqual(example.problems, []);
  console.log(`webgpu.browser: example ran ${await page.locator('#frames').textContent()} frames, readout ${JSON.stringify(readout)}`);
} finally {
  await example.close();
}
console.log(`webgpu.browser: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
