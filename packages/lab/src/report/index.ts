import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export { renderLabReport, renderPage, renderScenarioSection, renderTable, figuresTable } from './html.ts';
export { renderChart, renderSvg, chartSpec, figuresSpec } from './charts.ts';
export { renderMemoryMaps, columnShares } from './memory-map.ts';
export { escapeHtml } from './escape.ts';

/** Writes DIR/report.html (creating DIR) and returns its absolute path. */
export async function writeReport(dir: string, html: string, name = 'report.html'): Promise<string> {
  const abs = path.resolve(dir);
  await mkdir(abs, { recursive: true });
  const file = path.join(abs, name);
  await writeFile(file, html);
  return file;
}
