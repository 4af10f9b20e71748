// The CLI as one esbuild bundle of its TypeScript sources, kept in node_modules/.cache/capstream and
// rebuilt when a source changes. Why: through tsx's loader every start costs about half a second
// (a hooks thread, then a round trip to it for each of ~300 modules); from the bundle a start takes
// ~0.1 s, which every `capstream` command and every process of the cluster gains.
//
// Plain JavaScript: it runs before any TypeScript can. Returns null (the caller then uses tsx) when
// CAPSTREAM_NO_BUNDLE=1, or when the bundle cannot be built or written (a read-only install).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'packages/cli/src/main.ts');
const CACHE = join(ROOT, 'node_modules/.cache/capstream');
const MANIFEST = join(CACHE, 'cli.json');
const ROOT_MODULES = join(ROOT, 'node_modules') + sep;
/** Of the manifest: a cache written by an older layout is rebuilt. */
const FORMAT = 2;
const ALSO_WATCHED = ['bin/cli-bundle.mjs', 'tsconfig.json', 'tsconfig.base.json', 'package-lock.json'];
/** Bundles older than this are removed when a new one is built (a running process may still load chunks of its own). */
const KEEP_OLD_MS = 24 * 3600_000;

/** The bundle's entry URL, built first if missing or older than a source; null to use tsx instead. */
export async function cliBundle() {
  if (process.env.CAPSTREAM_NO_BUNDLE === '1') return null;
  const current = freshBundle();
  if (current) return current;
  try {
    return await build();
  } catch {
    // A source that does not compile, esbuild missing, a read-only folder: tsx reports or copes.
    return null;
  }
}

function freshBundle() {
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    if (m.format !== FORMAT || m.node !== process.version) return null;
    for (const [file, mtime] of Object.entries(m.inputs)) {
      if (statSync(join(ROOT, file)).mtimeMs !== mtime) return null;
    }
    const entry = join(CACHE, m.dir, 'main.js');
    statSync(entry);
    return pathToFileURL(entry).href;
  } catch {
    return null;
  }
}

async function build() {
  const esbuild = await import('esbuild');
  mkdirSync(CACHE, { recursive: true });
  const dir = `cli-${Date.now().toString(36)}-${process.pid}`;
  const outdir = join(CACHE, dir);
  const result = await esbuild.build({
    entryPoints: { main: ENTRY },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    // The root's compiler options for every file, as tsx takes them from the working directory:
    // the API's (legacy) decorators need them.
    tsconfig: join(ROOT, 'tsconfig.json'),
    metafile: true,
    logLevel: 'silent',
    plugins: [dependenciesOutside, sourceLocations],
  });
  const inputs = {};
  // Besides the sources: how they are built, and the lock file (an install may move a package).
  for (const file of [...Object.keys(result.metafile.inputs), ...ALSO_WATCHED]) {
    const abs = join(ROOT, file);
    inputs[relative(ROOT, abs)] = statSync(abs).mtimeMs;
  }
  // Written whole, then renamed: a process starting meanwhile reads the old manifest or the new one.
  const tmp = `${MANIFEST}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, node: process.version, dir, inputs }));
  renameSync(tmp, MANIFEST);
  prune(dir);
  return pathToFileURL(join(outdir, 'main.js')).href;
}

/**
 * Third-party packages stay outside the bundle, imported from node_modules as they are; only the
 * workspace's own TypeScript is bundled. A package a workspace has in its own node_modules (a
 * version the root cannot share) is imported by its full path, as from where it was imported.
 */
const dependenciesOutside = {
  name: 'dependencies-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@capstream/') || args.pluginData === 'inner') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const found = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      if (found.errors.length > 0 || !found.path || found.path.startsWith(ROOT_MODULES)) {
        return { path: args.path, external: true };
      }
      return { path: pathToFileURL(found.path).href, external: true };
    });
  },
};

/**
 * Each module keeps its own `import.meta.url` (the source file's), so paths it finds relative to
 * itself (the dashboard's export, the schema file, a worker's entry) stay right from the bundle.
 */
const sourceLocations = {
  name: 'source-locations',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
        resolveDir: dirname(args.path),
      };
    });
  },
};

function prune(keep) {
  for (const name of readdirSync(CACHE)) {
    if (!name.startsWith('cli-') || name === keep) continue;
    const path = join(CACHE, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}
