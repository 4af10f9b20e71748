#!/usr/bin/env node
// The TypeScript sources run directly through tsx's loader (esbuild), so there is no build step
// between `npm ci` and `npx capstream`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
