#!/usr/bin/env node
// Builds the dashboard's static export (apps/dashboard/out) when its sources changed since the
// last build: GraphQL codegen from services/api/schema.graphql, the app's type-check, `next build`.
// A content hash of every input is kept in out/.build-stamp, so an unchanged tree costs a few
// milliseconds. Concurrent runs (npm start and a test, say) wait for each other through a lock.
//
//   node scripts/build-dashboard.mjs            build if needed
//   node scripts/build-dashboard.mjs --force    build anyway
//   node scripts/build-dashboard.mjs --check    exit 0 if up to date, 1 if a build is needed
//   node scripts/build-dashboard.mjs --verbose  show the tools' own output
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(root, 'apps/dashboard');
const out = join(app, 'out');
const stampFile = join(out, '.build-stamp');
const lockFile = join(app, '.build.lock');
const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');

const log = (msg) => process.stdout.write(`dashboard: ${msg}\n`);
const die = (msg) => {
  process.stderr.write(`dashboard: ${msg}\n`);
  process.exit(1);
};

/** Every file whose content can change the export. Generated files (src/gql, out, .next) are not inputs. */
function inputs() {
  const files = [
    join(root, 'services/api/schema.graphql'),
    join(root, 'package-lock.json'),
    join(app, 'package.json'),
    join(app, 'next.config.ts'),
    join(app, 'tsconfig.json'),
    join(app, 'scripts/codegen.mjs'),
    join(root, 'scripts/build-dashboard.mjs'),
  ];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(app, 'src/gql')) walk(p);
      } else if (!e.name.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(join(app, 'src'));
  if (existsSync(join(app, 'public'))) walk(join(app, 'public'));
  return files.sort();
}

function sourceHash() {
  const h = createHash('sha256');
  h.update(`node ${process.versions.node.split('.')[0]}\n`);
  for (const f of inputs()) {
    if (!existsSync(f)) die(`missing ${relative(root, f)}`);
    h.update(`${relative(root, f)}\0`);
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return null;
  }
}

const upToDate = (hash) => readStamp()?.hash === hash && existsSync(join(out, 'index.html'));

/** Runs one step; its output is shown live with --verbose, else only when it fails. */
function step(name, cmd, argv) {
  const started = Date.now();
  log(`${name}…`);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: app,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' },
      stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    child.stdout?.on('data', (c) => chunks.push(c));
    child.stderr?.on('data', (c) => chunks.push(c));
    child.on('error', (err) => die(`${name} could not start: ${err.message}`));
    child.on('close', (code) => {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (code === 0) {
        log(`${name} done in ${secs}s`);
        resolve(Date.now() - started);
        return;
      }
      if (!verbose)
        process.stderr.write(
          Buffer.concat(chunks).toString().trimEnd().split('\n').slice(-60).join('\n') + '\n',
        );
      die(
        `${name} failed (exit ${code}) after ${secs}s; the export was not updated. Fix the error above and run again.`,
      );
    });
  });
}

/** An exclusive lock (O_EXCL); a lock older than 15 minutes is a crashed build's and is taken over. */
async function withLock(fn) {
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let stale = false;
      try {
        stale = Date.now() - statSync(lockFile).mtimeMs > 15 * 60_000;
      } catch {
        continue; // released meanwhile
      }
      if (stale) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        die(`another build holds ${relative(root, lockFile)}; remove it if no build runs`);
      if (!announced) log('another build is running; waiting for it');
      announced = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const release = () => rmSync(lockFile, { force: true });
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    release();
  }
}

const hash = sourceHash();
if (args.has('--check')) process.exit(upToDate(hash) ? 0 : 1);
if (!args.has('--force') && upToDate(hash)) {
  if (verbose) log('up to date');
  process.exit(0);
}

await withLock(async () => {
  // Someone else may have built the same sources while we waited.
  if (!args.has('--force') && upToDate(sourceHash())) {
    log('up to date (built by another run)');
    return;
  }
  const started = Date.now();
  const require = createRequire(join(app, 'package.json'));
  let nextBin;
  let tscBin;
  try {
    nextBin = require.resolve('next/dist/bin/next');
    tscBin = require.resolve('typescript/bin/tsc');
  } catch {
    die('next or typescript is not installed: run `npm ci` (or `npm install`) at the repository root');
  }
  log(`building the static export (sources changed${readStamp() ? '' : ', or never built'})`);
  await step('codegen', process.execPath, [join(app, 'scripts/codegen.mjs')]);
  await step('type-check', process.execPath, [tscBin, '-p', 'tsconfig.json', '--noEmit']);
  const nextMs = await step('next build', process.execPath, [nextBin, 'build']);
  if (!existsSync(join(out, 'index.html'))) die('next build finished but out/index.html is missing');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    stampFile,
    `${JSON.stringify({ hash: sourceHash(), builtAt: new Date().toISOString(), nextBuildMs: nextMs }, null, 2)}\n`,
  );
  log(`built ${relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
});
