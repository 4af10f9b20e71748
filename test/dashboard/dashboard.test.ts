// The dashboard end to end: Debian's Chromium (playwright-core) against `capstream up` (the
// embedded stack: pipeline, chDB, API, the dashboard's static export). Numbers on screen are
// checked against the API's own GraphQL answers for the same filter.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { samplePcapng } from '@capstream/core/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { isLocal, launchChromium, recordRequests } from './support/browser.ts';
import { pointInCountry } from './support/geo.ts';
import { pcapRecords } from './support/pcap.ts';
import { buildDashboard, gql, REPO_ROOT, type Stack, startStack, until } from './support/stack.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts/dashboard');

type Filter = Record<string, unknown>;

/** The raw number a element carries in data-value (formatting is for people). */
async function value(page: Page, selector: string): Promise<number | null> {
  const v = await page.locator(selector).first().getAttribute('data-value', { timeout: 30_000 });
  return v === null || v === '' ? null : Number(v);
}

/** Waits until the element's data-value equals `want` (the view may still be refetching). */
async function expectValue(page: Page, selector: string, want: number, what = selector): Promise<void> {
  let last: number | null = null;
  try {
    await until(
      async () => {
        last = await value(page, selector);
        return last === want;
      },
      30_000,
      what,
    );
  } catch {
    assert.equal(last, want, `${what}: the page shows ${last}, the API says ${want}`);
  }
}

/** [data-key, data-value] of the cells of one column in a table. */
async function column(page: Page, table: string, col: string): Promise<[string, number][]> {
  return page.$$eval(
    `[data-testid="${table}"] tbody tr`,
    (rows, c) =>
      rows.map((r) => [
        r.getAttribute('data-key') ?? '',
        Number(r.querySelector(`td[data-col="${c}"]`)?.getAttribute('data-value')),
      ]),
    col,
  ) as Promise<[string, number][]>;
}

async function openTab(page: Page, stack: Stack, tab: string, params: Record<string, string>): Promise<void> {
  const qs = new URLSearchParams({ tab, ...params });
  await page.goto(`${stack.origin}/?${qs}`);
  await page.waitForSelector(`main[data-view="${tab}"]`);
}

/** Page coordinates of a data point of an ECharts chart (the chart element carries its instance). */
async function pixelOf(
  page: Page,
  testId: string,
  finder: object,
  point: number[],
): Promise<[number, number]> {
  return page.locator(`[data-testid=${testId}]`).evaluate(
    (el, [f, p]) => {
      const chart = (el as unknown as { chart: { convertToPixel(finder: object, v: number[]): number[] } })
        .chart;
      const [x, y] = chart.convertToPixel(f as object, p as number[]);
      const r = el.getBoundingClientRect();
      return [r.left + x, r.top + y] as [number, number];
    },
    [finder, point] as const,
  );
}

async function shot(page: Page, name: string): Promise<void> {
  // Every panel loaded, and the charts' entry animations over.
  await page
    .waitForFunction(
      () =>
        !(
          globalThis as unknown as { document: { querySelector(s: string): unknown } }
        ).document.querySelector('main .state-loading'),
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => {});
  await page.waitForTimeout(1000);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe('dashboard (Chromium against capstream up)', { timeout: 900_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  let captureId = '';
  const scope = (): Filter => ({ captureIds: [captureId] });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    buildDashboard();
    stack = await startStack();
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 960 } });
    page = await context.newPage();
    recordRequests(page, requests);
    page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack ?? ''}`));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in from the printed link and takes the token out of the address bar', async () => {
    await page.goto(stack.link);
    await page.waitForSelector('.topbar');
    assert.ok(!page.url().includes('token='), `the token stays out of the URL: ${page.url()}`);
    const stored = await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(
        'capstream.token',
      ),
    );
    assert.equal(stored, stack.token);
  });

  it('asks for a token when it has none, and refuses a wrong one', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    recordRequests(p, requests);
    try {
      await p.goto(stack.origin);
      await p.fill('#token', 'not-a-token-at-all');
      await p.click('button[type=submit]');
      // The page may hold other (empty) live regions; wait for the one that explains the refusal.
      const alert = p.locator('[role=alert]', { hasText: /token/i }).first();
      await alert.waitFor({ timeout: 30_000 });
      assert.match((await alert.textContent()) ?? '', /token/i);
      await p.fill('#token', stack.token);
      await p.click('button[type=submit]');
      await p.waitForSelector('.topbar');
    } finally {
      await other.close();
    }
  });

  it('uploads a capture and its progress bar reaches done', async () => {
    await openTab(page, stack, 'captures', {});
    await page.setInputFiles('[data-testid=file-input]', {
      name: 'sample.pcapng',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(samplePcapng()),
    });
    const row = page.locator('[data-testid=upload-row]').first();
    await row.waitFor();
    await page.waitForSelector('[data-testid=upload-row][data-status=done]', { timeout: 180_000 });
    captureId = (await row.getAttribute('data-capture-id')) ?? '';
    assert.ok(captureId, 'the upload names its capture');
    // The capture list follows too (live, no reload).
    await page.waitForSelector(
      `[data-testid=capture-row][data-capture-id="${captureId}"][data-status=done]`,
      {
        timeout: 60_000,
      },
    );
    const { capture } = await gql<{
      capture: { status: string; progress: { flows: number; packets: number } };
    }>(stack, 'query($id: ID!) { capture(id: $id) { status progress { flows packets } } }', {
      id: captureId,
    });
    assert.equal(capture.status, 'DONE');
    assert.ok(capture.progress.flows > 0, 'the sample capture has flows');
    const row2 = `[data-testid=capture-row][data-capture-id="${captureId}"]`;
    await expectValue(page, `${row2} td[data-col=flows]`, capture.progress.flows, 'capture flows');
    await expectValue(page, `${row2} td[data-col=packets]`, capture.progress.packets, 'capture packets');
    await shot(page, 'captures');
  });

  it('every tab shows the numbers the API gives for the capture', async () => {
    const f = scope();
    const cap = { cap: captureId };

    // Overview
    const { overview } = await gql<{
      overview: {
        flows: number;
        packets: number;
        bytes: number;
        protocols: { app: string; flows: number }[];
      };
    }>(
      stack,
      'query($f: FlowFilter) { overview(filter: $f, limit: 12) { flows packets bytes protocols { app flows } } }',
      {
        f,
      },
    );
    await openTab(page, stack, 'overview', cap);
    await expectValue(page, '[data-testid=stat-flows]', overview.flows, 'overview flows');
    await expectValue(page, '[data-testid=stat-packets]', overview.packets, 'overview packets');
    await expectValue(page, '[data-testid=stat-bytes]', overview.bytes, 'overview bytes');
    await page.waitForSelector('[data-testid=table-protocols] tbody tr');
    assert.deepEqual(
      await column(page, 'table-protocols', 'flows'),
      overview.protocols.map((p) => [p.app, p.flows]),
      'protocols table',
    );
    await page.waitForSelector(
      '[data-testid=panel-sankey-country] canvas, [data-testid=panel-sankey-country] .state-empty',
    );
    await shot(page, 'overview');

    // Flows
    const { flows } = await gql<{ flows: { totalCount: number; edges: { node: { id: string } }[] } }>(
      stack,
      'query($f: FlowFilter) { flows(filter: $f, orderBy: { field: FIRST_SEEN, direction: ASC }, first: 1) { totalCount edges { node { id } } } }',
      { f },
    );
    await openTab(page, stack, 'flows', cap);
    await expectValue(page, '[data-testid=flows-total]', flows.totalCount, 'flows total');
    const first = await page.locator('.ft-row').first().getAttribute('data-flow');
    assert.equal(first, `${captureId}/${flows.edges[0].node.id}`, 'first row in first-seen order');
    const rendered = await page.locator('.ft-row').count();
    assert.ok(rendered > 0 && rendered <= flows.totalCount, `rows rendered: ${rendered}`);
    await shot(page, 'flows');

    // Statistics
    const stats = await gql<{
      topTalkers: { ip: string; flows: number }[];
      durationHistogram: { label: string; flows: number }[];
    }>(
      stack,
      'query($f: FlowFilter) { topTalkers(filter: $f, end: SRC, by: FLOWS, limit: 15) { ip flows } durationHistogram(filter: $f) { label flows } }',
      { f },
    );
    await openTab(page, stack, 'statistics', cap);
    await page.waitForSelector('[data-testid=table-top-talkers] tbody tr');
    assert.deepEqual(
      await column(page, 'table-top-talkers', 'flows'),
      stats.topTalkers.map((t) => [t.ip, t.flows]),
      'top talkers',
    );
    await page.waitForSelector('[data-testid=table-durations] td');
    const durations = await page.$$eval('[data-testid=table-durations] td', (tds) =>
      tds.map((td) => [td.getAttribute('data-key'), Number(td.getAttribute('data-value'))]),
    );
    assert.deepEqual(
      durations,
      stats.durationHistogram.map((b) => [b.label, b.flows]),
      'duration histogram',
    );
    await shot(page, 'statistics');

    // Map
    const { geo } = await gql<{ geo: { country: string; flows: number }[] }>(
      stack,
      'query($f: FlowFilter) { geo(filter: $f, end: ANY) { country flows } }',
      { f },
    );
    await openTab(page, stack, 'map', cap);
    await page.waitForSelector('[data-testid=world-map] canvas');
    if (geo.length > 0) {
      await page.waitForSelector('[data-testid=table-countries] tbody tr');
      assert.deepEqual(
        await column(page, 'table-countries', 'flows'),
        geo.map((g) => [g.country, g.flows]),
        'countries',
      );
    }
    await shot(page, 'map');

    // Per hour, and its 5-minute drill-down
    const { dayHour } = await gql<{ dayHour: { day: string; hour: number; flows: number }[] }>(
      stack,
      'query($f: FlowFilter) { dayHour(filter: $f) { day hour flows } }',
      { f },
    );
    await openTab(page, stack, 'per-hour', cap);
    await expectValue(
      page,
      '[data-testid=day-hour-total]',
      dayHour.reduce((s, c) => s + c.flows, 0),
      'flows in the day × hour grid',
    );
    const cell = dayHour[0];
    const days = [...new Set(dayHour.map((c) => c.day))].sort();
    const at = await pixelOf(page, 'day-hour-grid', { seriesIndex: 0 }, [cell.hour, days.indexOf(cell.day)]);
    await page.mouse.click(at[0], at[1]);
    await page.waitForSelector('[data-testid=table-five-minutes] td');
    const hh = String(cell.hour).padStart(2, '0');
    assert.match(page.url(), new RegExp(`hour=${cell.day}T${hh}`));
    const { timeline } = await gql<{ timeline: { step: number; points: { t: string; flows: number }[] } }>(
      stack,
      'query($f: FlowFilter) { timeline(filter: $f, step: 300, maxPoints: 12) { step points { t flows } } }',
      {
        f: {
          ...f,
          from: `${cell.day}T${hh}:00:00Z`,
          to: new Date(Date.parse(`${cell.day}T${hh}:00:00Z`) + 3_600_000).toISOString(),
        },
      },
    );
    assert.equal(timeline.step, 300);
    await until(
      async () => {
        const shown = await page.$$eval('[data-testid=table-five-minutes] td', (tds) =>
          tds.reduce((s, td) => s + Number(td.getAttribute('data-value')), 0),
        );
        return shown === timeline.points.reduce((s, p) => s + p.flows, 0);
      },
      30_000,
      '5-minute detail equals the timeline query',
    );
    await shot(page, 'per-hour');

    // Compare (the capture with itself: every row the same on both sides)
    await openTab(page, stack, 'compare', { ...cap, a: captureId, b: captureId });
    await page.waitForSelector('[data-testid=compare-protocols] tbody tr');
    const rows = await page.$$eval('[data-testid=compare-protocols] tbody tr', (trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td[data-value]')].map((td) => Number(td.getAttribute('data-value'))),
      ),
    );
    assert.ok(rows.length > 0);
    for (const [a, b] of rows) assert.equal(a, b);
    await shot(page, 'compare');

    // Dark theme, for the record
    await openTab(page, stack, 'overview', cap);
    await page.click('button[aria-label^="Switch to dark"]');
    await page.waitForSelector('html[data-theme=dark]');
    await page.waitForSelector('[data-testid=table-protocols] tbody tr');
    await shot(page, 'overview-dark');
    await page.click('button[aria-label^="Switch to light"]');
  });

  it('a filter set in one tab applies in the others and survives a reload', async () => {
    const { overview } = await gql<{ overview: { protocols: { app: string; flows: number }[] } }>(
      stack,
      'query($f: FlowFilter) { overview(filter: $f) { protocols { app flows } } }',
      { f: scope() },
    );
    assert.ok(overview.protocols.length > 1, 'the sample has several protocols');
    const app = [...overview.protocols].sort((a, b) => a.flows - b.flows)[0].app;
    const filtered = { ...scope(), apps: [app] };
    const { flows } = await gql<{ flows: { totalCount: number } }>(
      stack,
      'query($f: FlowFilter) { flows(filter: $f, first: 1) { totalCount } }',
      { f: filtered },
    );

    await openTab(page, stack, 'overview', { cap: captureId });
    await page.locator(`[data-testid=table-protocols] tr[data-key="${app}"]`).click();
    await page.waitForURL(new RegExp(`app=${app}`));
    await expectValue(page, '[data-testid=stat-flows]', flows.totalCount, 'overview flows under the filter');

    await page.click('[role=tab][data-tab=flows]');
    await expectValue(page, '[data-testid=flows-total]', flows.totalCount, 'flows tab under the filter');
    const apps = await page.$$eval('.ft-row [data-col=app]', (cells) => [
      ...new Set(cells.map((c) => c.textContent)),
    ]);
    assert.deepEqual(apps, [app]);

    await page.reload();
    await page.waitForSelector(`[data-chip="apps:${app}"]`);
    await expectValue(page, '[data-testid=flows-total]', flows.totalCount, 'after a reload');

    await page.click('[role=tab][data-tab=statistics]');
    const { topTalkers } = await gql<{ topTalkers: { ip: string; flows: number }[] }>(
      stack,
      'query($f: FlowFilter) { topTalkers(filter: $f, end: SRC, by: FLOWS, limit: 15) { ip flows } }',
      { f: filtered },
    );
    await until(
      async () =>
        JSON.stringify(await column(page, 'table-top-talkers', 'flows')) ===
        JSON.stringify(topTalkers.map((t) => [t.ip, t.flows])),
      30_000,
      'statistics under the filter',
    );
    // Removing the chip removes the filter everywhere.
    await page.click(`[data-chip="apps:${app}"] button`);
    await page.waitForURL((u) => !u.searchParams.has('app'));
    await page.waitForSelector(`[data-chip="apps:${app}"]`, { state: 'detached' });
    // Each change is a history entry: Back brings the filter (and its numbers) back.
    await page.goBack();
    await page.waitForURL(new RegExp(`app=${app}`));
    await page.waitForSelector(`[data-chip="apps:${app}"]`);
    await page.click('[role=tab][data-tab=flows]');
    await expectValue(page, '[data-testid=flows-total]', flows.totalCount, 'after Back');
  });

  it('clicking a country on the map filters every view', async () => {
    const { geo } = await gql<{ geo: { country: string; flows: number }[] }>(
      stack,
      'query($f: FlowFilter) { geo(filter: $f, end: ANY) { country flows } }',
      { f: scope() },
    );
    const target = geo.find((g) => pointInCountry(g.country));
    assert.ok(target, `a country with a shape among ${geo.map((g) => g.country).join(',')}`);
    const lonLat = pointInCountry(target.country)!;

    await openTab(page, stack, 'map', { cap: captureId });
    await page.waitForSelector('[data-testid=table-countries] tbody tr');
    const at = await pixelOf(page, 'world-map', { geoIndex: 0 }, lonLat);
    await page.mouse.click(at[0], at[1]);
    await page.waitForURL(new RegExp(`cc=${target.country}`));
    await page.waitForSelector(`[data-testid=country-detail][data-country=${target.country}]`);
    await expectValue(page, '[data-testid=country-flows]', target.flows, `flows of ${target.country}`);
    await shot(page, 'map-country');

    const { flows } = await gql<{ flows: { totalCount: number } }>(
      stack,
      'query($f: FlowFilter) { flows(filter: $f, first: 1) { totalCount } }',
      { f: { ...scope(), countries: [target.country] } },
    );
    assert.equal(flows.totalCount, target.flows, 'the API agrees with itself');
    await page.click('[role=tab][data-tab=flows]');
    await expectValue(page, '[data-testid=flows-total]', flows.totalCount, 'flows in the country');
  });

  it("downloads a flow's packets as a pcap", async () => {
    await openTab(page, stack, 'flows', { cap: captureId, sort: 'PACKETS:DESC' });
    const row = page.locator('.ft-row').first();
    const key = (await row.getAttribute('data-flow')) ?? '';
    const [cid, fid] = key.split('/');
    await row.click();
    await page.waitForSelector('[data-testid=flow-detail] [data-testid=download-pcap]');
    await shot(page, 'flow-detail');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=download-pcap]'),
    ]);
    const path = await download.path();
    const pcap = pcapRecords(readFileSync(path));
    const { flow } = await gql<{ flow: { packetsSrc: number; packetsDst: number } }>(
      stack,
      'query($c: ID!, $id: ID!) { flow(captureId: $c, id: $id) { packetsSrc packetsDst } }',
      { c: cid, id: fid },
    );
    assert.equal(pcap.records, flow.packetsSrc + flow.packetsDst, 'one record per packet of the flow');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=flow-detail]', { state: 'detached' });
  });

  it('is keyboard navigable: tabs with arrow keys, flows with arrows and Enter', async () => {
    await openTab(page, stack, 'overview', { cap: captureId });
    await page.focus('[role=tab][aria-selected=true]');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector('main[data-view=flows]');
    await page.focus('[data-testid=flow-table]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=flow-detail]');
    assert.match(page.url(), /flow=/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=flow-detail]', { state: 'detached' });
  });

  it('moves live while another capture is ingested, without reload or flicker', async () => {
    const before = await gql<{ overview: { flows: number } }>(stack, '{ overview { flows } }');
    await openTab(page, stack, 'overview', {});
    await expectValue(page, '[data-testid=stat-flows]', before.overview.flows, 'flows before');
    // Once every panel has its data, a spinner appearing again would be flicker (the counter lives in
    // the page, so a reload would lose it too).
    await page.waitForFunction(
      () =>
        !(
          globalThis as unknown as { document: { querySelector(s: string): unknown } }
        ).document.querySelector('main .state-loading'),
    );
    await page.evaluate(() => {
      type El = { nodeType: number; matches(s: string): boolean; querySelector(s: string): unknown };
      const g = globalThis as unknown as {
        document: { body: unknown };
        MutationObserver: new (
          cb: (m: { addedNodes: El[] }[]) => void,
        ) => { observe(n: unknown, o: object): void };
        flicker: number;
      };
      g.flicker = 0;
      new g.MutationObserver((mutations) => {
        for (const m of mutations)
          for (const n of m.addedNodes)
            if (n.nodeType === 1 && (n.matches('.state-loading') || n.querySelector('.state-loading')))
              g.flicker++;
      }).observe(g.document.body, { childList: true, subtree: true });
    });

    const uploader = await context.newPage();
    recordRequests(uploader, requests);
    try {
      await openTab(uploader, stack, 'captures', {});
      await uploader.setInputFiles('[data-testid=file-input]', {
        name: 'second.pcapng',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(samplePcapng()),
      });
      await uploader.waitForSelector('[data-testid=upload-row][data-status=done]', { timeout: 180_000 });
    } finally {
      await uploader.close();
    }
    const now = await gql<{ overview: { flows: number; captures: number } }>(
      stack,
      '{ overview { flows captures } }',
    );
    assert.ok(now.overview.flows > before.overview.flows, 'the second capture added flows');
    await expectValue(page, '[data-testid=stat-flows]', now.overview.flows, 'flows after, on the open page');
    await expectValue(page, '[data-testid=stat-captures]', now.overview.captures, 'captures after');
    const flicker = await page.evaluate(() => (globalThis as unknown as { flicker: number }).flicker);
    // (undefined would mean the page was reloaded: the counter lives in the page)
    assert.equal(flicker, 0, 'no panel fell back to a spinner while updating');
  });

  it('opens a live listener, ingests a capture streamed into it, and closes it', async () => {
    await openTab(page, stack, 'captures', {});
    const panel = page.locator('[data-testid=panel-live]');
    await panel.getByRole('button', { name: 'Open listener' }).click();
    const opened = panel.locator('[data-testid=live-opened]');
    await opened.waitFor({ timeout: 30_000 });
    const host = (await opened.getAttribute('data-host')) ?? '';
    const port = Number(await opened.getAttribute('data-port'));
    assert.ok(host && port > 0, `the page shows where it listens: ${host}:${port}`);
    assert.equal(
      await opened.locator('[data-testid=live-command]').textContent(),
      `tcpdump -i eth0 -w - | nc ${host} ${port}`,
    );
    const row = panel.locator(`[data-testid=live-listener][data-port="${port}"]`);
    await row.waitFor({ timeout: 30_000 });
    const listenerId = (await row.getAttribute('data-listener-id')) ?? '';

    type Caps = { captures: { id: string; name: string; status: string }[] };
    const known = new Set(
      (await gql<Caps>(stack, '{ captures(first: 500) { id name status } }')).captures.map((c) => c.id),
    );
    const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: target, port }, () => socket.end(Buffer.from(samplePcapng())));
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    const created = await until(
      async () =>
        (await gql<Caps>(stack, '{ captures(first: 500) { id name status } }')).captures.find(
          (c) => !known.has(c.id),
        ),
      60_000,
      'a capture from the live listener',
    );
    await page.waitForSelector(
      `[data-testid=capture-row][data-capture-id="${created.id}"][data-status=done]`,
      {
        timeout: 180_000,
      },
    );
    await row.locator('text=1 captures').waitFor({ timeout: 30_000 });

    await row.getByRole('button', { name: 'Close' }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    const { liveListeners } = await gql<{ liveListeners: { id: string }[] }>(
      stack,
      '{ liveListeners { id } }',
    );
    assert.ok(!liveListeners.some((l) => l.id === listenerId), 'the listener is closed');
  });

  it('creates a viewer token from the page, shows its secret once, and revokes it', async () => {
    await openTab(page, stack, 'captures', {});
    const panel = page.locator('[data-testid=panel-tokens]');
    await panel.waitFor({ timeout: 30_000 });
    const name = `e2e viewer ${Date.now()}`;
    await panel.getByLabel('Token name').fill(name);
    await panel.getByLabel('Token role').selectOption('VIEWER');
    await panel.getByRole('button', { name: 'Create' }).click();
    const secretEl = panel.locator('[data-testid=new-token-secret]');
    await secretEl.waitFor({ timeout: 30_000 });
    const secret = ((await secretEl.textContent()) ?? '').trim();
    assert.ok(secret.length > 10, 'the secret is shown');
    assert.match((await panel.locator('[data-testid=new-token]').textContent()) ?? '', /not be shown again/);
    const viewer = { origin: stack.origin, token: secret };
    const { me } = await gql<{ me: { role: string } }>(viewer, '{ me { role } }');
    assert.equal(me.role, 'VIEWER');

    const row = panel.locator(`[data-testid=api-token][data-token-name="${name}"]`);
    await row.waitFor({ timeout: 30_000 });
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await assert.rejects(gql(viewer, '{ me { role } }'), 'the revoked token is refused');
  });

  it('makes no request outside the local host, and raises no page error', () => {
    assert.ok(requests.length > 0);
    assert.ok(
      requests.some((u) => u.startsWith('ws://') && u.endsWith('/graphql')),
      'subscriptions go over graphql-ws on the same host',
    );
    const outside = requests.filter((u) => !isLocal(u));
    assert.deepEqual(outside, [], 'requests outside the local host');
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  });
});
