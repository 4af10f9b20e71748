#!/usr/bin/env node
// The TypeScript sources run directly through tsx's loader (esbuild), so there is no build step
// between `npm ci` and `npx capstream`.
import { register } from 'tsx/esm/api';

register();
// `capstream flows x.pcap | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
