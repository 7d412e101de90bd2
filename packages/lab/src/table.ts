import Table from 'cli-table3';
import pc from 'picocolors';
import { formatNumber, formatRatio } from './format.ts';
import type { ScenarioResult } from './results.ts';

/**
 * How much better the first design is than the second on a metric (> 1 means better), or
 * undefined when the metric has no direction or a figure is missing.
 */
export function advantage(result: ScenarioResult, metric: string): number | undefined {
  const [fresh, base] = result.designs;
  const info = result.metrics[metric];
  if (!fresh || !base || !info?.better) return undefined;
  const a = result.figures[fresh]?.[metric];
  const b = result.figures[base]?.[metric];
  if (a === undefined || b === undefined) return undefined;
  if (a === b) return 1;
  return info.better === 'lower' ? b / a : a / b;
}

/** A metric's row label: its name, then its unit unless the name already says it ("ms to fail"). */
export function metricLabel(metric: string, unit: string | undefined): string {
  if (!unit || metric.split(/[\s()]+/).includes(unit)) return metric;
  return `${metric} (${unit})`;
}

/** One scenario as a terminal table: metrics down, designs across, then the ratio. */
export function renderScenarioTable(result: ScenarioResult): string {
  const designs = result.designs.filter((d) => result.figures[d]);
  const hasRatio = designs.length >= 2;
  const head = ['metric', ...designs, ...(hasRatio ? [`${designs[0]} vs ${designs[1]}`] : [])];
  const table = new Table({ head, style: { head: [], border: [] } });
  const metrics = new Set<string>();
  for (const d of designs) for (const m of Object.keys(result.figures[d] ?? {})) metrics.add(m);
  for (const m of metrics) {
    const row = [metricLabel(m, result.metrics[m]?.unit)];
    for (const d of designs) {
      const v = result.figures[d]?.[m];
      row.push(v === undefined ? '-' : formatNumber(v));
    }
    if (hasRatio) {
      const r = advantage(result, m);
      row.push(r === undefined ? '' : r >= 1 ? pc.green(formatRatio(r)) : pc.red(formatRatio(r)));
    }
    table.push(row);
  }
  const verdict = result.skipped !== undefined ? pc.yellow('skipped') : result.met ? pc.green('claim met') : pc.red('claim NOT met');
  return [
    pc.bold(`${result.name}: ${result.title}`),
    `claim: ${result.claim}`,
    table.toString(),
    `${verdict}: ${result.verdict}  (${result.seconds.toFixed(1)} s)`,
    ...(result.notes ?? []).map((n) => pc.dim(`note: ${n}`)),
  ].join('\n');
}
