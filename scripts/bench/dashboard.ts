// Dashboard benchmark, in Debian's Chromium (playwright-core): for each tab, the time from
// navigation to every panel showing data (no panel still loading), and on the Overview the time
// from a filter change (a click on a protocol) to every chart updated with the API's answer.
//
//   node --import tsx scripts/bench/dashboard.ts [--url 'http://127.0.0.1:8080/#token=...'] [--runs N] [--cap ID]
//
// Without --url it starts `capstream up` with the sample capture in a temporary directory.
// `benchDashboard(url)` is what `npm run bench` calls; it returns p50/p95 milliseconds per measure.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/dashboard/support/browser.ts';
import { buildDashboard, startStack, until } from '../../test/dashboard/support/stack.ts';

export const BENCH_TABS = ['overview', 'flows', 'statistics', 'map', 'per-hour', 'captures'] as const;

export interface Percentiles {
  p50: number;
  p95: number;
}

export interface BenchOptions {
  /** Measured runs per tab and filter change (one unmeasured warm-up run before). */
  runs?: number;
  /** Extra query-string parameters for every view (a capture: { cap: id }). */
  params?: Record<string, string>;
  log?: (line: string) => void;
}

function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { p50: Math.round(at(0.5)), p95: Math.round(at(0.95)) };
}

/** Every panel of the view has its data (none loading, none refetching). */
async function viewReady(page: Page, tab: string, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(
    (t) => {
      type El = { querySelector(selector: string): El | null };
      const main = (globalThis as unknown as { document: El }).document.querySelector(
        `main[data-view="${t}"]`,
      );
      if (!main) return false;
      if (main.querySelector('.state-loading, .state-data[aria-busy="true"]')) return false;
      return !!main.querySelector('.state-data, .state-empty, .state-error, [data-testid=panel-compare]');
    },
    tab,
    { polling: 'raf', timeout: timeoutMs },
  );
}

/** Runs the measures against a running dashboard, given the link `capstream up` prints. */
export async function benchDashboard(
  url: string,
  opts: BenchOptions = {},
): Promise<Record<string, Percentiles>> {
  const runs = opts.runs ?? 5;
  const log = opts.log ?? (() => {});
  const origin = new URL(url).origin;
  const browser = await launchChromium();
  const results: Record<string, Percentiles> = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(url); // signs in (the token moves to localStorage)
    await page.waitForSelector('.topbar');

    for (const tab of BENCH_TABS) {
      const samples: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const qs = new URLSearchParams({ tab, ...opts.params });
        const t0 = performance.now();
        await page.goto(`${origin}/?${qs}`);
        await viewReady(page, tab);
        if (i > 0) samples.push(performance.now() - t0);
      }
      results[`tab:${tab}`] = percentiles(samples);
      log(`tab ${tab}: ${JSON.stringify(results[`tab:${tab}`])} ms`);
    }

    // A filter change: click the least common protocol on the Overview (on, then off again).
    await page.goto(`${origin}/?${new URLSearchParams({ tab: 'overview', ...opts.params })}`);
    await viewReady(page, 'overview');
    const rows = await page.$$eval('[data-testid=table-protocols] tbody tr', (trs) =>
      trs.map((tr) => tr.getAttribute('data-key') ?? ''),
    );
    if (rows.length > 1) {
      const app = rows[rows.length - 1];
      const samples: number[] = [];
      for (let i = 0; i <= runs * 2; i++) {
        const before = await page.getAttribute('[data-testid=stat-flows]', 'data-value');
        const t0 = performance.now();
        await page.click(`[data-testid=table-protocols] tr[data-key="${app}"]`);
        await until(
          async () => (await page.getAttribute('[data-testid=stat-flows]', 'data-value')) !== before,
          30_000,
          'the totals to change',
        );
        await viewReady(page, 'overview');
        if (i > 0) samples.push(performance.now() - t0);
      }
      results['filter-change:overview'] = percentiles(samples);
      log(`filter change: ${JSON.stringify(results['filter-change:overview'])} ms`);
    }
  } finally {
    await browser.close();
  }
  return results;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 5);
  const cap = arg('--cap');
  let url = arg('--url');
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    buildDashboard();
    const stack = await startStack({ sample: true });
    stop = stack.stop;
    url = stack.link;
  }
  try {
    const res = await benchDashboard(url, {
      runs,
      params: cap ? { cap } : {},
      log: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
  } finally {
    await stop?.();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

/**
 * `npm run bench -- --suite dashboard`: the dashboard over the API benchmark's store (10 million
 * flows; built by the api suite when missing), served by `capstream up`.
 */
export async function benchDashboardSuite(argv: string[]): Promise<void> {
  const { ensureBenchStore, writeSection } = await import('./api.ts');
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : 5;
  const { dataDir, ready } = await ensureBenchStore(argv);
  buildDashboard();
  const stack = await startStack({ dataDir, timeoutMs: 180_000 });
  try {
    const res = await benchDashboard(stack.link, { runs, log: (l) => process.stderr.write(`${l}\n`) });
    const rows = Object.entries(res).map(([name, p]) => {
      const limit = name.includes('filter') ? 500 : 1500;
      return `| ${name} | ${p.p50} | ${p.p95} | ${p.p95 <= limit ? 'met' : '**not met**'} (p95 < ${limit} ms) |`;
    });
    const table = [
      `${ready.flows.toLocaleString('en-US')} flows stored; Debian's Chromium (headless, playwright-core), ${runs} runs per measure after a warm-up.`,
      '',
      '| measure | p50 ms | p95 ms | target |',
      '|---|---:|---:|---|',
      ...rows,
    ].join('\n');
    process.stdout.write(`${table}\n`);
    if (argv.includes('--write')) {
      writeSection(
        'dashboard-bench',
        'Dashboard in the browser',
        `npm run bench -- --suite dashboard --runs ${runs} --write`,
        table,
      );
    }
  } finally {
    await stack.stop();
  }
}
