import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formatNumber, formatRatio } from '../format.ts';
import { KERNEL, PAGE_REPLAY_METRICS, loadTrace, replayTrace } from '../replay/index.ts';
import { defineScenario } from '../scenario.ts';
import { judge } from '../kit/claims.ts';
import { openTrace } from 'kalloc/node';
import { PCP_LABELS, PCP_ORDER } from '../workloads/pcp.ts';

interface Params {
  /** An ftrace text trace (plain or gzip) with kmem page events. */
  trace: string;
  /** The traced machine's per-CPU cache size (/proc/zoneinfo while tracing). */
  high: number;
  batch: number;
}

/**
 * Recorded on this project's machine (Linux 6.18, 2 CPUs, zone Normal of 688128 managed pages):
 * `make -j2` of a small C program, twice, with every other process running at the time. While
 * tracing, vm.percpu_pagelist_high_fraction was 256, which pins high at 1344 (high_min =
 * high_max, no auto-tuning) with batch 63, so the model can use the kernel's exact values.
 */
const FIXTURE = fileURLToPath(new URL('../../data/kmem-pages-real.trace.gz', import.meta.url));
const PARAMS: Params = { trace: FIXTURE, high: 1344, batch: 63 };
/** "Close": the classic model's zone-lock acquisitions within this factor of the kernel's. */
const CLOSE = 2;

const CLOSE_CLAIM = (p: Params) =>
  `Replaying a real kernel trace with the kernel's own high ${p.high} and batch ${p.batch}, the classic model takes the zone lock within ${CLOSE}x as often as the traced kernel did`;
const FEWER_CLAIM = 'On the same replay, the pcp buddy takes the zone lock fewer times than the classic model';

export const pcpTraceScenario = defineScenario<Params>({
  name: 'pcp-trace',
  title: 'Per-CPU caches on a real trace (kmem page events of a build)',
  claim: (p) => `${CLOSE_CLAIM(p)}; ${FEWER_CLAIM}`,
  designs: [...PCP_ORDER.map((d) => PCP_LABELS[d]), KERNEL],
  metrics: PAGE_REPLAY_METRICS,
  params: { full: PARAMS, quick: PARAMS },
  describe: (p) => `kalloc replay of ${p.trace.replace(/^.*\/test\//, 'test/')} with high ${p.high}, batch ${p.batch}`,
  async run(p, ctx) {
    await access(p.trace).catch(() => {
      throw new Error(`pcp-trace: the trace ${p.trace} is not there (the pcp-trace fixture; a replay of your own trace: kalloc replay FILE)`);
    });
    const opened = await openTrace(p.trace);
    const trace = await loadTrace(opened.events, undefined, opened.skipped);
    const [result] = replayTrace(trace, { vmap: [], page: PCP_ORDER }, {
      file: p.trace, format: 'ftrace text', command: `npx kalloc lab pcp-trace`, skipped: opened.skipped,
      pcp: { high: p.high, batch: p.batch },
      progress: (done, total, label) => ctx.progress(done, total, label),
    });
    if (!result) throw new Error(`pcp-trace: ${p.trace} has no page events`);
    const figures = result.figures;
    const acq = (d: string) => figures[d]?.['zone lock acquisitions'] ?? NaN;
    const classic = acq(PCP_LABELS.classic);
    const kernel = acq(KERNEL);
    const buddy = acq(PCP_LABELS.buddy);
    const ratio = classic >= kernel ? classic / kernel : kernel / classic;
    const measured = (...n: number[]) => (n.every((x) => Number.isFinite(x)) && n.some((x) => x > 0) ? true : undefined);
    const close = judge(CLOSE_CLAIM(p), measured(classic, kernel) && ratio <= CLOSE,
      `zone-lock acquisitions: kernel ${formatNumber(kernel)}, classic model ${formatNumber(classic)} (${formatRatio(ratio)} apart, claim <= ${CLOSE}x)`);
    const fewer = judge(FEWER_CLAIM, measured(classic, buddy) && buddy < classic,
      `pcp buddy ${formatNumber(buddy)} vs classic ${formatNumber(classic)} (${formatRatio(classic / buddy)} fewer)`);
    return {
      figures,
      claims: [close, fewer],
      verdict: `zone-lock acquisitions: kernel ${formatNumber(kernel)}, classic model ${formatNumber(classic)} (${formatRatio(ratio)} apart, claim <= ${CLOSE}x), pcp buddy ${formatNumber(buddy)} (${formatRatio(classic / buddy)} fewer than classic)`,
      charts: result.charts ?? [],
      maps: result.maps ?? [],
      notes: [`Per-CPU caches as on the traced machine: high ${p.high}, batch ${p.batch}.`, ...(result.notes ?? [])],
    };
  },
});
