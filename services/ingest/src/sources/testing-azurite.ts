// Azurite (Microsoft's Azure Storage emulator, npm `azurite`) for tests: starts `azurite-blob` on
// 127.0.0.1 on a free port with a throwaway data folder, waits until it answers, and hands back
// the dev account's endpoint and helpers to create blobs and SAS URLs. Reusable by end-to-end
// tests: `const az = await startAzurite(); ... await az.stop();`.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

/** Azurite's published development account (not a secret: it is in Microsoft's docs). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface SasOptions {
  /** Default: one hour from now. */
  expiresOn?: Date;
  startsOn?: Date;
  /** Default 'r'. */
  permissions?: string;
}

export interface Azurite {
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  blobEndpoint: string;
  /** An allow-list entry for the fetch guard that admits this Azurite only (`127.0.0.1:PORT`). */
  allowEntry: string;
  credential: StorageSharedKeyCredential;
  service: BlobServiceClient;
  /** Creates the container if needed and uploads the blob. */
  createBlob(container: string, name: string, data: Uint8Array): Promise<BlockBlobClient>;
  /** A blob URL with a service SAS (the way a user would paste one). */
  sasUrl(container: string, name: string, opts?: SasOptions): string;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Data folder; default a new temp folder, removed on stop. */
  location?: string;
  /** How long to wait for it to listen. Default 30 s. */
  timeoutMs?: number;
}

/** The path of azurite's blob entry point, from the installed npm package. */
export function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
}

export async function startAzurite(opts: StartAzuriteOptions = {}): Promise<Azurite> {
  const ownLocation = opts.location === undefined;
  const location = opts.location ?? (await mkdtemp(join(tmpdir(), 'capstream-azurite-')));
  const host = '127.0.0.1';
  const child = spawn(
    process.execPath,
    [
      azuriteBlobMain(),
      '--blobHost',
      host,
      '--blobPort',
      '0',
      '--location',
      location,
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: withoutSqlBackend(process.env) },
  );
  // A test process that ends without stop() (a failed before(), a crash) takes Azurite with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let port: number;
  try {
    port = await waitForPort(child, opts.timeoutMs ?? 30_000);
    await waitUntilAnswering(host, port, opts.timeoutMs ?? 30_000);
  } catch (err) {
    await kill(child);
    if (ownLocation) await rm(location, { recursive: true, force: true });
    throw err;
  }
  const blobEndpoint = `http://${host}:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const service = new BlobServiceClient(blobEndpoint, credential);
  return {
    host,
    port,
    blobEndpoint,
    allowEntry: `${host}:${port}`,
    credential,
    service,
    async createBlob(container, name, data) {
      const c = service.getContainerClient(container);
      await c.createIfNotExists();
      const b = c.getBlockBlobClient(name);
      await b.uploadData(data, { blockSize: 8 * 1024 * 1024, concurrency: 4 });
      return b;
    },
    sasUrl(container, name, o = {}) {
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container,
          blobName: name,
          permissions: BlobSASPermissions.parse(o.permissions ?? 'r'),
          startsOn: o.startsOn,
          expiresOn: o.expiresOn ?? new Date(Date.now() + 3600_000),
          protocol: SASProtocol.HttpsAndHttp,
        },
        credential,
      ).toString();
      return `${blobEndpoint}/${encodeURIComponent(container)}/${name.split('/').map(encodeURIComponent).join('/')}?${sas}`;
    },
    async stop() {
      await kill(child);
      if (ownLocation) await rm(location, { recursive: true, force: true });
    },
  };
}

function withoutSqlBackend(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out.AZURITE_DB; // would point Azurite at a SQL server instead of its own files
  return out;
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listens on https?:\/\/[^\s:]+:(\d+)/.exec(out);
      if (m) {
        done();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`azurite-blob exited (${code}) before listening: ${out.slice(-2000)}`));
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`azurite-blob did not listen within ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(t);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining its output so it never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitUntilAnswering(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://${host}:${port}/${AZURITE_ACCOUNT}?comp=list`);
      await res.arrayBuffer();
      return; // any HTTP answer (403 without credentials) means it serves
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`azurite-blob on ${host}:${port} does not answer: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
