import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export { renderLabReport, renderPage, renderScenarioSection, renderTable, figuresTable } from './html.ts';
export { renderChart, renderSvg, chartSpec, figuresSpec } from './charts.ts';
export { renderMemoryMaps, columnShares } from './memory-map.ts';
export { escapeHtml } from './escape.ts';

/**
 * Makes sure `dir` exists and is writable, creating what is missing one level at a time (Node
 * 20's recursive mkdir spins forever under /proc), and returns its absolute path. Commands call
 * it before their work, so a bad --out fails at once instead of after a long run.
 */
export async function prepareOutDir(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    const s = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOTDIR') throw new Error(`--out ${dir}: a parent of ${at} is not a directory`);
      if (error.code !== 'ENOENT') throw new Error(`--out ${dir}: cannot use ${at} (${error.code ?? error.message})`);
      return undefined;
    });
    if (s !== undefined) {
      if (!s.isDirectory()) throw new Error(`--out ${dir}: ${at} is not a directory`);
      break;
    }
    missing.unshift(at);
    at = path.dirname(at);
  }
  for (const d of [at, ...missing]) {
    if (d !== at) {
      await mkdir(d).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`--out ${dir}: cannot create ${d} (${error.code ?? error.message})`);
      });
    }
    await access(d, constants.W_OK).catch(() => {
      throw new Error(`--out ${dir}: ${d} is not writable`);
    });
  }
  return abs;
}

/** Writes DIR/report.html (creating DIR) and returns its absolute path. */
export async function writeReport(dir: string, html: string, name = 'report.html'): Promise<string> {
  const abs = await prepareOutDir(dir);
  const file = path.join(abs, name);
  await writeFile(file, html);
  return file;
}
