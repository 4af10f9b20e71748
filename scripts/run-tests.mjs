#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: the whole tree) with node's own test
// runner and tsx's loader. Node 20's `--test` does not expand globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const skipDirs = new Set(['node_modules', '.git', 'dist', '.next', '.data', 'bench-data', 'test-artifacts']);

function collect(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name)) collect(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(relative(root, join(dir, entry.name)));
    }
  }
  return out;
}

const files = (roots.length ? roots : ['packages', 'services', 'apps', 'test'])
  .flatMap((r) => (statSync(join(root, r)).isFile() ? [r] : collect(join(root, r), [])))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...passThrough, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(res.status ?? 1);
