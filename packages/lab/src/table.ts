import Table from 'cli-table3';
import pc from 'picocolors';
import { formatNumber, formatRatio, NO_RATIO } from './format.ts';
import type { ClaimStatus } from './scenario.ts';
import type { LabResults, ScenarioResult } from './results.ts';

/** The terminal width every table fits in. */
export const TABLE_WIDTH = 100;

/**
 * How much better the first design is than the second on a metric (> 1 means better), or
 * undefined when the metric has no direction, a figure is missing, or a figure is 0 (0 vs 0 or
 * x vs 0: a ratio that means nothing).
 */
export function advantage(result: ScenarioResult, metric: string): number | undefined {
  const [fresh, base] = result.designs;
  const info = result.metrics[metric];
  if (!fresh || !base || !info?.better) return undefined;
  const a = result.figures[fresh]?.[metric];
  const b = result.figures[base]?.[metric];
  if (a === undefined || b === undefined) return undefined;
  if (a === b && a !== 0) return 1;
  if (a === 0 || b === 0) return undefined;
  return info.better === 'lower' ? b / a : a / b;
}

/** A metric's row label: its name, then its unit unless the name already says it ("ms/request"). */
export function metricLabel(metric: string, unit: string | undefined): string {
  if (!unit || metric.split(/[\s()/]+/).includes(unit)) return metric;
  return `${metric} (${unit})`;
}

const MAX_WORD = 14;

// Borders without a separator under every row.
const CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/**
 * Column widths (content, without padding) that fit TABLE_WIDTH: value columns as wide as their
 * widest figure or the longest word of their header (headers wrap), the first column the rest.
 */
function fitWidths(rows: string[][], head: string[]): number[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = head.map((h, c) => {
    // A header word longer than MAX_WORD is broken rather than widening its column.
    const words = Math.min(MAX_WORD, Math.max(...h.split(/\s+/).map((w) => w.length)));
    const values = Math.max(0, ...rows.map((r) => visible(r[c] ?? '')));
    return c === 0 ? Math.max(visible(h), values) : Math.max(words, values);
  });
  const overhead = head.length + 1 + 2 * head.length; // borders and one space of padding each side
  const others = widths.slice(1).reduce((a, b) => a + b, 0);
  widths[0] = Math.min(widths[0]!, Math.max(8, TABLE_WIDTH - overhead - others));
  // Room left: unwrap headers, narrowest first, so most fit on one line.
  let room = TABLE_WIDTH - overhead - widths.reduce((a, b) => a + b, 0);
  const byLength = head.map((h, c) => ({ c, extra: h.length - widths[c]! })).filter((x) => x.c > 0 && x.extra > 0).sort((a, b) => a.extra - b.extra);
  for (const { c, extra } of byLength) {
    if (extra > room) break;
    widths[c]! += extra;
    room -= extra;
  }
  return widths;
}

/** Renders rows under a wrapped header, fitted to TABLE_WIDTH. */
export function fittedTable(head: string[], rows: string[][], align: ('left' | 'right')[] = []): string {
  const widths = fitWidths(rows, head);
  const table = new Table({
    head,
    chars: CHARS,
    colWidths: widths.map((w) => w + 2),
    colAligns: head.map((_, c) => align[c] ?? (c === 0 ? 'left' : 'right')),
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push(r);
  return table.toString();
}

const STATUS_TEXT: Record<ClaimStatus, string> = { met: 'met', 'not met': 'NOT met', 'not measured': 'not measured', 'too noisy': 'too noisy to decide' };

/** A claim's status, coloured: green met, red not met, yellow not measured / too noisy. */
export function statusText(status: ClaimStatus): string {
  const text = STATUS_TEXT[status];
  return status === 'met' ? pc.green(text) : status === 'not met' ? pc.red(text) : pc.yellow(text);
}

/**
 * Word-wraps plain text to TABLE_WIDTH columns; each line after the first starts with `indent`
 * (as does every line of the text when `indent` is also given as `first`). A word longer than
 * the width stays whole.
 */
export function wrapText(text: string, indent = '  ', first = ''): string {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    const fresh = line === first || line === indent;
    if (!fresh && line.length + 1 + word.length > TABLE_WIDTH) {
      out.push(line);
      line = indent + word;
    } else {
      line = fresh ? line + word : `${line} ${word}`;
    }
  }
  out.push(line);
  return out.join('\n');
}

/** "met: the claim ..." wrapped, its status coloured, then its detail indented (dim). */
function claimLines(status: string, colouredStatus: string, text: string, detail: string): string {
  const wrapped = wrapText(`${status}: ${text}`);
  return `${colouredStatus}${wrapped.slice(status.length)}\n${pc.dim(wrapText(detail, '  ', '  '))}`;
}

/** One scenario as a terminal table: metrics down, designs across, then the ratio; then its claims. */
export function renderScenarioTable(result: ScenarioResult): string {
  const designs = result.designs.filter((d) => result.figures[d]);
  const hasRatio = designs.length >= 2;
  const head = ['metric', ...designs, ...(hasRatio ? ['ratio'] : [])];
  const metrics = new Set<string>();
  for (const d of designs) for (const m of Object.keys(result.figures[d] ?? {})) metrics.add(m);
  const rows: string[][] = [];
  for (const m of metrics) {
    const row = [metricLabel(m, result.metrics[m]?.unit)];
    for (const d of designs) {
      const v = result.figures[d]?.[m];
      row.push(v === undefined ? NO_RATIO : formatNumber(v));
    }
    if (hasRatio) {
      const r = advantage(result, m);
      const text = formatRatio(r ?? Number.NaN);
      row.push(r === undefined ? (result.metrics[m]?.better ? text : '') : r >= 1 ? pc.green(text) : pc.red(text));
    }
    rows.push(row);
  }
  const claims = result.claims.map((c) => claimLines(STATUS_TEXT[c.status], statusText(c.status), c.text, c.detail));
  const excluded = (result.excluded ?? []).map((c) => claimLines('does not apply', pc.dim('does not apply'), c.text, c.reason));
  return [
    pc.bold(wrapText(`${result.name}: ${result.title}`)),
    pc.dim(wrapText(`parameters: ${result.parameters}`)),
    fittedTable(head, rows),
    ...(hasRatio ? [pc.dim(wrapText(`ratio: how much better ${designs[0]} is than ${designs[1]} (${NO_RATIO} where a figure is 0)`))] : []),
    ...claims,
    ...excluded,
    pc.dim(`(${result.seconds.toFixed(1)} s)`),
    ...(result.notes ?? []).map((n) => pc.dim(wrapText(`note: ${n}`))),
  ].join('\n');
}

/** Every claim of a run with the scenario it belongs to. */
function allClaims(results: LabResults) {
  return results.scenarios.flatMap((s) => s.claims.map((c) => ({ scenario: s.name, ...c })));
}

/** The lab's last lines: how many claims hold, and each one that does not, by name. */
export function renderSummary(results: LabResults): string {
  const claims = allClaims(results);
  const met = claims.filter((c) => c.met).length;
  const excluded = results.scenarios.reduce((n, s) => n + (s.excluded?.length ?? 0), 0);
  const lines = [`${met} of ${claims.length} claims met${excluded > 0 ? ` (${excluded} more do not apply at this size)` : ''}.`];
  for (const c of claims.filter((x) => !x.met)) {
    const status = STATUS_TEXT[c.status];
    lines.push(`  ${statusText(c.status)}${wrapText(`${status}: ${c.scenario}: ${c.text}`, '    ', '  ').slice(2 + status.length)}`);
  }
  return lines.join('\n');
}

/** Whether every judged claim of a run holds (what --strict exits on). */
export const everyClaimMet = (results: LabResults): boolean => allClaims(results).every((c) => c.met);
