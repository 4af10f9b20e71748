import { launchChromium } from './test/dashboard/support/browser.ts';
const origin = 'http://127.0.0.1:4555';
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
await page.goto(`${origin}/#token=bench-admin-token-0123456789`);
await page.waitForSelector('.topbar');
await page.goto(`${origin}/?tab=overview`);
await page.waitForSelector('[data-testid=table-protocols] tbody tr');
await new Promise((r) => setTimeout(r, 3000));
const rows = await page.$$eval('[data-testid=table-protocols] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-key') ?? ''));
const app = rows[rows.length - 1];
let t0 = 0;
page.on('request', (r) => t0 && console.log('req', (performance.now() - t0).toFixed(0), r.method(), r.url().slice(0, 100), (r.postData() ?? '').slice(0, 60)));
page.on('requestfinished', (r) => t0 && console.log('fin', (performance.now() - t0).toFixed(0), r.url().slice(0, 80), (r.postData() ?? '').slice(0, 40)));
for (let i = 0; i < 2; i++) {
  const before = await page.getAttribute('[data-testid=stat-flows]', 'data-value');
  t0 = performance.now();
  await page.click(`[data-testid=table-protocols] tr[data-key="${app}"]`);
  while ((await page.getAttribute('[data-testid=stat-flows]', 'data-value')) === before) await new Promise((r) => setTimeout(r, 5));
  console.log('stat changed', (performance.now() - t0).toFixed(0));
  await new Promise((r) => setTimeout(r, 1500));
  t0 = 0;
}
await browser.close();
