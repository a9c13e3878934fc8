// Opens a report page in the system's headless Chromium (playwright-core, no browser download) and says what a person would see.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** How to get the browser the self tests use (.ci/run does this). */
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** Where a Chromium-family browser usually is (Debian's chromium first; GitHub's runners have Google Chrome). */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'] as const;

/** CHROMIUM_PATH when set (and nothing else then), or the first usual path that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CHROMIUM_PATHS;
  return candidates.find((c) => existsSync(c));
}

export interface ChartOnPage {
  readonly id: string;
  /** The data points the report says it drew (data-points). */
  readonly points: number;
  /** Bars and symbols found in the rendered SVG's data marks (axes and legends excluded). */
  readonly dataMarks: number;
  /** The chart's drawn width in CSS pixels: 0 would mean it is not laid out. */
  readonly width: number;
}

export interface ReportPage {
  readonly title: string;
  readonly heading: string;
  readonly verdict: string;
  readonly consoleErrors: readonly string[];
  /** Requests other than the page itself: a self-contained report makes none. */
  readonly requests: readonly string[];
  readonly charts: readonly ChartOnPage[];
  /** data-trend-findings of the trend section, or null without history. */
  readonly trendFindings: number | null;
}

/** Bounds for each browser step: a hung browser fails the test with the step's name, not the test timeout. */
const LAUNCH_TIMEOUT_MS = 30_000;
const PAGE_TIMEOUT_MS = 15_000;

/** Loads the HTML file, collects console errors and chart marks, and writes a full-page PNG screenshot. */
export async function inspectReport(executablePath: string, htmlFile: string, screenshotFile: string): Promise<ReportPage> {
  // Root in a container has no user namespace for Chromium's sandbox; the page is our own static file.
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], timeout: LAUNCH_TIMEOUT_MS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(htmlFile).href;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    const seen = await page.evaluate(() => {
      const figures = [...document.querySelectorAll<HTMLElement>('figure.chart')];
      const findings = document.querySelector<HTMLElement>('[data-trend-findings]');
      return {
        title: document.title,
        heading: document.querySelector('h1')?.textContent ?? '',
        verdict: document.querySelector<HTMLElement>('[data-verdict]')?.dataset.verdict ?? '',
        trendFindings: findings ? Number(findings.dataset.trendFindings) : null,
        charts: figures.map((f) => ({
          id: f.dataset.chart ?? '',
          points: Number(f.dataset.points),
          // Vega draws each datum of a bar or point layer as one path in a "role-mark" group.
          dataMarks: f.querySelectorAll('g.mark-rect.role-mark > path, g.mark-symbol.role-mark > path').length,
          width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        })),
      };
    });
    await page.screenshot({ path: screenshotFile, fullPage: true, timeout: PAGE_TIMEOUT_MS });
    return { ...seen, consoleErrors, requests };
  } finally {
    await browser.close();
  }
}
