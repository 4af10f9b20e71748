import { resolve } from 'node:path';
import { openStore, storeConfigFromEnv } from '@capstream/store';

export interface CapturesOptions {
  data: string;
  json: boolean;
}

export async function capturesCommand(opts: CapturesOptions): Promise<void> {
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir: resolve(opts.data) }));
  try {
    const list = await store.captures.list();
    if (opts.json) {
      for (const c of list) process.stdout.write(`${JSON.stringify(c)}\n`);
      return;
    }
    const rows = [['CAPTURE', 'STATUS', 'PACKETS', 'FLOWS', 'SUBMITTED', 'NAME', 'ERROR']];
    for (const c of list) {
      rows.push([
        c.capture_id,
        c.status,
        String(c.packets),
        String(c.flows),
        c.submitted_at,
        c.name,
        c.error,
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows)
      process.stdout.write(
        `${r
          .map((v, i) => v.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
      );
  } finally {
    await store.close();
  }
}
