import type * as vl from 'vega-lite';
import type { ScenarioResult } from '../results.ts';
import { advantage, metricLabel } from '../table.ts';
import type { Chart } from '../scenario.ts';
import { escapeHtml } from './escape.ts';
import { DESIGN_COLORS, STATE_COLORS } from './palette.ts';

/**
 * Charts as inline SVG: a Vega-Lite spec per chart, rendered in Node without a DOM or canvas
 * (renderer 'none' + toSVG), so the report needs no JavaScript to be read.
 */

type Spec = vl.TopLevelSpec;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#d5dbe1' },
  axis: { labelColor: '#39424b', titleColor: '#1d242b', gridColor: '#e9edf1', domainColor: '#8a96a3', tickColor: '#8a96a3', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelLimit: 260 },
  legend: { labelColor: '#39424b', titleColor: '#1d242b', labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal', labelLimit: 360 },
  header: { labelColor: '#1d242b', labelFontSize: 12, labelFontWeight: 600 },
  title: { fontSize: 13, fontWeight: 600, color: '#1d242b', anchor: 'start' },
  line: { strokeWidth: 2 },
} as const;

/**
 * Series that are design names keep their design colour; series named like a memory-map state
 * (unmovable, movable, ...) take that state's colour, so charts and maps agree; the rest follow
 * in palette order.
 */
function colorScale(series: string[], designs: string[]): { domain: string[]; range: string[] } {
  const domain = [...designs.filter((d) => series.includes(d)), ...series.filter((s) => !designs.includes(s))];
  const stateColor = (s: string) => (s.toLowerCase() === 'free' ? undefined : STATE_COLORS[s.toLowerCase()]);
  return { domain, range: domain.map((s, i) => (designs.includes(s) ? undefined : stateColor(s)) ?? DESIGN_COLORS[i % DESIGN_COLORS.length]!) };
}

/**
 * The x categories of a bar chart: in numeric order when every one is a number (orders, sizes:
 * series may list them in different orders, and first appearance would scramble the axis),
 * otherwise in order of first appearance.
 */
function categoryOrder(points: Chart['points']): (string | number)[] {
  const xs = [...new Set(points.map((p) => p.x))];
  const numeric = xs.every((x) => typeof x === 'number' || (x.trim() !== '' && Number.isFinite(Number(x))));
  return numeric ? xs.sort((a, b) => Number(a) - Number(b)) : xs;
}

/** A scenario's Chart as a Vega-Lite spec. */
export function chartSpec(chart: Chart, designs: string[] = []): Spec {
  const series = [...new Set(chart.points.map((p) => p.series))];
  const numericX = chart.points.every((p) => typeof p.x === 'number');
  const color = { field: 'series', type: 'nominal', title: null, scale: colorScale(series, designs) } as const;
  const y = {
    field: 'y', type: 'quantitative', title: chart.y,
    scale: { ...(chart.logY ? { type: 'log' } : { zero: chart.kind === 'bar' }), ...(chart.yDomain ? { domain: chart.yDomain } : {}) },
  } as const;
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 820,
    height: 240,
    config: CONFIG,
    data: { values: chart.points.map((p) => ({ ...p })) },
  };
  if (chart.kind === 'line') {
    return {
      ...base,
      mark: { type: 'line', point: chart.points.length / Math.max(series.length, 1) <= 40 },
      encoding: {
        x: numericX ? { field: 'x', type: 'quantitative', title: chart.x, scale: { zero: false } } : { field: 'x', type: 'ordinal', title: chart.x, sort: null },
        y,
        color,
        tooltip: [{ field: 'series' }, { field: 'x', title: chart.x }, { field: 'y', title: chart.y }],
      },
    } as Spec;
  }
  // Bars on a log scale cannot start at 0: they start at the power of ten below the smallest bar.
  const positive = chart.points.map((p) => p.y).filter((v) => v > 0);
  const floor = chart.logY && positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : undefined;
  return {
    ...base,
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'x', type: numericX ? 'ordinal' : 'nominal', title: chart.x, sort: categoryOrder(chart.points), axis: { labelAngle: 0 } },
      xOffset: { field: 'series', scale: { domain: color.scale.domain } },
      y: floor === undefined ? y : { ...y, scale: { ...y.scale, domainMin: floor } },
      ...(floor === undefined ? {} : { y2: { datum: floor } }),
      color,
      tooltip: [{ field: 'series' }, { field: 'x', title: chart.x }, { field: 'y', title: chart.y }],
    },
  } as Spec;
}

/**
 * The figures of a scenario as a chart, or undefined when there is nothing to compare (fewer
 * than two designs, or no metric with a direction that two designs report and not all zero).
 * Up to four metrics: one small panel of bars per metric (own scale, since units differ), the
 * designs side by side. More: one bar per metric with the new design's advantage over the
 * baseline on a log scale around 1, which stays readable however many metrics there are.
 */
export function figuresSpec(result: ScenarioResult): { spec: Spec; caption: string } | undefined {
  const designs = result.designs.filter((d) => result.figures[d]);
  const metrics = Object.keys(result.metrics).filter((m) => {
    const values = designs.map((d) => result.figures[d]?.[m]).filter((v) => v !== undefined);
    return result.metrics[m]?.better && values.length >= 2 && values.some((v) => v !== 0);
  });
  if (designs.length < 2 || metrics.length === 0) return undefined;
  return metrics.length <= 4 ? barsSpec(result, designs, metrics) : advantageSpec(result, designs, metrics);
}

function barsSpec(result: ScenarioResult, designs: string[], metrics: string[]): { spec: Spec; caption: string } {
  const label = (m: string) => {
    const info = result.metrics[m]!;
    return `${metricLabel(m, info.unit)} — ${info.better} is better`;
  };
  const values = metrics.flatMap((m) =>
    designs.flatMap((d) => {
      const v = result.figures[d]?.[m];
      return v === undefined ? [] : [{ metric: label(m), design: d, value: v }];
    }),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null, sort: metrics.map(label), header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: {
      width: 700,
      height: { step: 18 },
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        y: { field: 'design', type: 'nominal', title: null, sort: designs },
        // Few ticks and a domain rounded up to the next one, so the longest bar never ends on the frame.
        x: { field: 'value', type: 'quantitative', title: null, scale: { nice: 4 }, axis: { tickCount: 4 } },
        color: { field: 'design', type: 'nominal', legend: null, scale: colorScale(designs, designs) },
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as Spec;
  return { spec, caption: 'Figures by design' };
}

function advantageSpec(result: ScenarioResult, designs: string[], metrics: string[]): { spec: Spec; caption: string } {
  const values = metrics.flatMap((m) => {
    const r = advantage(result, m);
    return r === undefined || !Number.isFinite(r) || r <= 0 ? [] : [{ metric: m, ratio: r, side: r >= 1 ? 'better' : 'worse' }];
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    width: 700,
    height: { step: 20 },
    data: { values },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y: { field: 'metric', type: 'nominal', title: null, sort: null },
          x: { field: 'ratio', type: 'quantitative', title: `${designs[0]} vs ${designs[1]}: times better (log scale)`, scale: { type: 'log' } },
          x2: { datum: 1 },
          color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['better', 'worse'], range: ['#2e8b57', '#c2444e'] } },
        },
      },
      { mark: { type: 'rule', color: '#1d242b' }, encoding: { x: { datum: 1 } } },
    ],
  } as Spec;
  return { spec, caption: `Advantage of ${designs[0]} over ${designs[1]} per metric` };
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: Spec): Promise<string> {
  // Loaded on first use: the commands that draw nothing start faster.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart as a <figure> with its inline SVG. */
export async function renderChart(chart: Chart, designs: string[] = []): Promise<string> {
  const svg = await renderSvg(chartSpec(chart, designs));
  return `<figure class="chart"><figcaption>${escapeHtml(chart.title)}</figcaption>\n${svg}\n</figure>`;
}
