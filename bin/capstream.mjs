#!/usr/bin/env node
// Runs the CLI from an esbuild bundle of its TypeScript sources, rebuilt when a source changes
// (cli-bundle.mjs), or through tsx's loader when there is none (CAPSTREAM_NO_BUNDLE=1, a
// read-only install): either way no build step stands between `npm ci` and `npx capstream`.
import { cliBundle } from './cli-bundle.mjs';

// `capstream flows x.pcap | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const bundle = await cliBundle();
if (!bundle) (await import('tsx/esm/api')).register();
const { main } = await import(bundle ?? '../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
