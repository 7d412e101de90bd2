/**
 * A page with WebGPU in headless Chromium, for the lab's webgpu-clear scenario and the browser
 * tests: bundles a module for the page with esbuild, writes it beside an HTML file in a temporary
 * directory and opens that file (a file:// page is a secure context; about:blank has no
 * navigator.gpu). WebGPU comes from SwiftShader, Chromium's software Vulkan.
 *
 * playwright-core and esbuild are the repository's development tools, not dependencies of the
 * lab: both are imported on demand, and when either (or Chromium) is missing the caller is told
 * why, so that it can report itself skipped.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const WEBGPU_FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];

export interface PageBundle {
  /** The module to bundle for the page: a file path or file: URL. Its exports become the page's
   *  global `kallocPage`. */
  entry: string;
  /** The page's HTML (an example's own page); it must load the bundle, `main.js`, as a classic script (a file:// page may not load modules). */
  html?: string;
}

export interface WebGpuPage {
  page: Page;
  /** Messages the page logged as errors or warnings, and uncaught page errors. */
  problems: string[];
  close(): Promise<void>;
}

/** Why a WebGPU page cannot be opened here, or undefined when it can. */
export async function webGpuUnavailable(): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  for (const name of ['playwright-core', 'esbuild']) {
    try {
      await import(name);
    } catch {
      return `${name} cannot be loaded (a development dependency of the kalloc repository)`;
    }
  }
  return undefined;
}

/** Whether the page's browser offers a WebGPU adapter (a Chromium without Vulkan may not). */
export async function hasWebGpuAdapter(page: Page): Promise<boolean> {
  return page.evaluate('(async () => !!(await navigator.gpu?.requestAdapter()))()');
}

/**
 * Bundles `entry` (resolving `kalloc/*` from source when this runs from source), opens it in a
 * page of headless Chromium with WebGPU, and waits until the page has loaded.
 */
export async function openWebGpuPage(bundle: PageBundle): Promise<WebGpuPage> {
  const esbuild = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kalloc-webgpu-'));
  let browser: Browser | undefined;
  try {
    await esbuild.build({
      entryPoints: [bundle.entry.startsWith('file:') ? fileURLToPath(bundle.entry) : bundle.entry],
      globalName: 'kallocPage',
      // A module that opens pages imports this one on demand: never into a page.
      external: [fileURLToPath(import.meta.url)],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      outfile: path.join(dir, 'main.js'),
      conditions: import.meta.url.endsWith('.ts') ? ['source'] : [],
      logLevel: 'error',
    });
    await writeFile(path.join(dir, 'index.html'), bundle.html ?? '<!doctype html><meta charset="utf-8"><title>kalloc</title><script src="main.js" defer></script>\n');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_FLAGS });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    const opened = browser;
    return {
      page,
      problems,
      async close() {
        await opened.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
