/**
 * The container image without a Docker engine: deploy/docker/Dockerfile read with dockerfile-ast,
 * its production dependency set computed from package-lock.json the way `npm ci --omit=dev
 * --workspace=...` installs it, and the runtime stage laid out in a directory (the sources the
 * COPY lines take through .dockerignore, the dependency set hard-linked from node_modules and
 * nothing else), where `node` can run the image's entrypoint.
 *
 * Only the instructions the Dockerfile uses are understood; any other instruction, RUN command or
 * flag is an error here, so the simulation cannot silently differ from the Dockerfile.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { type Copy, type Dockerfile, DockerfileParser, type Instruction, type Label } from 'dockerfile-ast';
import { REPO } from './kustomize.ts';

export const DOCKERFILE = join(REPO, 'deploy', 'docker', 'Dockerfile');
export const DOCKERIGNORE = join(REPO, '.dockerignore');

export interface Stage {
  name: string;
  /** The base image, build arguments substituted. */
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  text: string;
  df: Dockerfile;
  args: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(path = DOCKERFILE): ParsedDockerfile {
  const text = readFileSync(path, 'utf8');
  const df = DockerfileParser.parse(text);
  const args: Record<string, string> = {};
  for (const a of df.getInitialARGs()) {
    const p = a.getProperty();
    if (p?.getName()) args[p.getName()] = p.getValue() ?? '';
  }
  const stages: Stage[] = [];
  for (const i of df.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const [image, as, name] = i.getArguments().map((x) => x.getValue());
      if (as?.toUpperCase() !== 'AS' || !name) throw new Error(`FROM ${image}: every stage is named here`);
      stages.push({ name, base: substitute(image, args), instructions: [] });
    } else if (stages.length > 0) stages[stages.length - 1].instructions.push(i);
  }
  return { text, df, args, stages };
}

function substitute(s: string, args: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '');
}

/** The OCI title label of the final stage: the image's name. */
export function imageTitle(p: ParsedDockerfile): string | undefined {
  const last = p.stages.at(-1);
  for (const i of last?.instructions ?? []) {
    if (i.getKeyword() !== 'LABEL') continue;
    for (const prop of (i as Label).getProperties()) {
      if (prop.getName() === 'org.opencontainers.image.title') return prop.getValue()?.replace(/^"|"$/g, '');
    }
  }
  return undefined;
}

/** The RUN commands of a stage, split at `&&`, as argument lists. */
export function runCommands(stage: Stage): string[][] {
  return stage.instructions.filter((i) => i.getKeyword() === 'RUN').flatMap(runCommandsOf);
}

// ---------------------------------------------------------------------------------------------
// npm ci --omit=dev: the production dependency set

export interface NpmCi {
  omitDev: boolean;
  includeWorkspaceRoot: boolean;
  workspaces: string[];
  ignoreScripts: boolean;
}

export function parseNpmCi(argv: string[]): NpmCi {
  if (argv[0] !== 'npm' || argv[1] !== 'ci') throw new Error(`not npm ci: ${argv.join(' ')}`);
  const out: NpmCi = { omitDev: false, includeWorkspaceRoot: false, workspaces: [], ignoreScripts: false };
  for (const a of argv.slice(2)) {
    if (a === '--omit=dev') out.omitDev = true;
    else if (a === '--include-workspace-root') out.includeWorkspaceRoot = true;
    else if (a.startsWith('--workspace=')) out.workspaces.push(a.slice('--workspace='.length));
    else if (a === '--ignore-scripts') out.ignoreScripts = true;
    else if (a === '--no-audit' || a === '--no-fund') continue;
    else throw new Error(`npm ci flag ${a} is not understood by the image simulation`);
  }
  return out;
}

interface LockEntry {
  name?: string;
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Platform {
  os: string;
  cpu: string;
  libc: string;
}

/** node:20-bookworm-slim on amd64. */
export const IMAGE_PLATFORM: Platform = { os: 'linux', cpu: 'x64', libc: 'glibc' };

/** npm's os/cpu/libc fields: allowed values, or `!value` for excluded ones. */
function platformOk(e: LockEntry, p: Platform): boolean {
  const ok = (list: string[] | undefined, v: string) => {
    if (!list || list.length === 0) return true;
    if (list.includes(`!${v}`)) return false;
    const allowed = list.filter((x) => !x.startsWith('!'));
    return allowed.length === 0 || allowed.includes(v);
  };
  return ok(e.os, p.os) && ok(e.cpu, p.cpu) && ok(e.libc, p.libc);
}

/**
 * The lock-file paths `npm ci` installs for these flags: the named workspaces (and the root, with
 * --include-workspace-root) and, transitively, their dependencies, optional dependencies that fit
 * the platform and required peers, resolved as Node resolves them in the lock's tree.
 */
export function productionSet(
  ci: NpmCi,
  lockPath = join(REPO, 'package-lock.json'),
  platform = IMAGE_PLATFORM,
): Set<string> {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, LockEntry> };
  const pkgs = lock.packages;
  if (!ci.omitDev) throw new Error('only an npm ci with --omit=dev is computed here');
  const out = new Set<string>();
  const queue: string[] = [];
  const add = (path: string) => {
    if (out.has(path)) return;
    out.add(path);
    queue.push(path);
  };
  if (ci.includeWorkspaceRoot) add('');
  for (const w of ci.workspaces) {
    const link = `node_modules/${w}`;
    if (!pkgs[link]?.link) throw new Error(`--workspace=${w}: not a workspace in the lock file`);
    add(link);
  }
  while (queue.length > 0) {
    const path = queue.shift() as string;
    const e = pkgs[path];
    if (e.link) {
      add(e.resolved as string);
      continue;
    }
    const optionalPeers = new Set(
      Object.entries(e.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const deps: [string, boolean][] = [
      ...Object.keys(e.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(e.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(e.peerDependencies ?? {}).map((n): [string, boolean] => [n, optionalPeers.has(n)]),
    ];
    for (const [name, optional] of deps) {
      const found = resolveIn(pkgs, path, name);
      if (!found || !platformOk(pkgs[found], platform)) {
        if (optional) continue;
        throw new Error(
          `${path || '(root)'} needs ${name}, which the lock file does not hold for ${platform.os}-${platform.cpu}`,
        );
      }
      add(found);
    }
  }
  return out;
}

/** Where Node finds `name` from the package at lock path `from`: nearest node_modules upwards. */
function resolveIn(pkgs: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (pkgs[candidate]) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir =
      i >= 0 ? dir.slice(0, i) : dir.includes('/') && !dir.startsWith('node_modules/') ? dirname(dir) : '';
    if (dir === '.') dir = '';
  }
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

export function dockerignore(path = DOCKERIGNORE): (rel: string) => boolean {
  const rules = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      return { negate, re: globToRegExp(pattern) };
    });
  /** true: excluded from the build context. A pattern that matches a parent directory matches. */
  return (rel: string) => {
    const parts = rel.split('/');
    let excluded = false;
    for (const r of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (r.re.test(parts.slice(0, n).join('/'))) {
          excluded = !r.negate;
          break;
        }
      }
    }
    return excluded;
  };
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------
// building the runtime stage in a directory

export interface Image {
  /** The image's root directory. */
  root: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  user: string;
  /** What could not be made here (the dashboard's Next.js build), by stage. */
  notBuilt: string[];
  /** The production dependency set installed by the deps stage. */
  installed: Set<string>;
}

interface StageFs {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
  notBuilt: string[];
  installed: Set<string>;
}

/** Lays out the image of the Dockerfile's last stage (and the stages it copies from) under a new temporary directory. */
export function buildImage(p: ParsedDockerfile = parseDockerfile()): Image {
  const base = mkdtempSync(join(tmpdir(), 'capstream-image-'));
  chmodSync(base, 0o755);
  const ignored = dockerignore();
  const built = new Map<string, StageFs>();
  const buildStage = (name: string): StageFs => {
    const done = built.get(name);
    if (done) return done;
    const stage = p.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`no stage ${name}`);
    const fs: StageFs = {
      root: join(base, name),
      workdir: '/',
      env: {},
      user: 'root',
      entrypoint: [],
      cmd: [],
      notBuilt: [],
      installed: new Set(),
    };
    mkdirSync(fs.root, { recursive: true, mode: 0o755 });
    for (const i of stage.instructions) {
      const kw = i.getKeyword();
      const argv = i.getArguments().map((a) => a.getValue());
      switch (kw) {
        case 'WORKDIR':
          fs.workdir = posix.resolve(fs.workdir, argv[0]);
          mkdirSync(join(fs.root, fs.workdir), { recursive: true, mode: 0o755 });
          break;
        case 'ENV':
          for (const kv of argv) {
            const eq = kv.indexOf('=');
            fs.env[kv.slice(0, eq)] = kv.slice(eq + 1);
          }
          break;
        case 'USER':
          fs.user = argv[0];
          break;
        case 'LABEL':
        case 'EXPOSE':
          break;
        case 'ENTRYPOINT':
        case 'CMD': {
          const json = (i as unknown as { getJSONStrings(): { getJSONValue(): string }[] }).getJSONStrings();
          if (json.length === 0) throw new Error(`${kw} must be in exec (JSON) form`);
          fs[kw === 'CMD' ? 'cmd' : 'entrypoint'] = json.map((s) => s.getJSONValue());
          break;
        }
        case 'COPY': {
          // A stage that is not built here (a build with development tools) copies nothing.
          if (fs.notBuilt.length > 0) break;
          const c = i as Copy;
          const flags = c.getFlags().map((f) => f.getName());
          if (flags.some((f) => f !== 'from'))
            throw new Error(`COPY --${flags.join(', --')} is not simulated`);
          const from = c.getFromFlag()?.getValue();
          const srcs = argv.slice(0, -1);
          const rawDest = argv.at(-1) as string;
          const dest = posix.resolve(fs.workdir, rawDest);
          for (const src of srcs) {
            if (from) {
              const other = buildStage(from);
              const abs = join(other.root, posix.resolve(other.workdir, src));
              if (!existsSync(abs)) {
                if (other.notBuilt.length > 0) {
                  mkdirSync(join(fs.root, dest), { recursive: true });
                  fs.notBuilt.push(...other.notBuilt.map((x) => `${x} (COPY --from=${from} ${src})`));
                  continue;
                }
                throw new Error(`COPY --from=${from} ${src}: not in that stage`);
              }
              linkTree(abs, join(fs.root, dest));
            } else
              copyFromContext(src, join(fs.root, dest), rawDest.endsWith('/') || srcs.length > 1, ignored);
          }
          break;
        }
        case 'RUN':
          for (const cmd of runCommandsOf(i)) run(cmd, fs);
          break;
        default:
          throw new Error(`${kw} is not simulated`);
      }
    }
    built.set(name, fs);
    return fs;
  };

  const run = (argv: string[], fs: StageFs) => {
    const [cmd, sub] = argv;
    if (cmd === 'groupadd' || cmd === 'useradd') return; // the user exists in the image
    if (cmd === 'npm' && sub === 'cache') return;
    if (cmd === 'npm' && sub === 'ci') {
      const ci = parseNpmCi(argv);
      if (!ci.omitDev) {
        fs.notBuilt.push(`${argv.join(' ')}: a full install for a build, not simulated`);
        return;
      }
      const set = productionSet(ci);
      installInto(set, join(fs.root, fs.workdir));
      fs.installed = set;
      return;
    }
    if (cmd === 'npm' && sub === 'run' && fs.notBuilt.length > 0) {
      fs.notBuilt.push(argv.join(' '));
      return;
    }
    throw new Error(`RUN ${argv.join(' ')} is not simulated`);
  };

  const final = buildStage(p.stages.at(-1)?.name as string);
  const deps = [...built.values()].find((s) => s.installed.size > 0);
  return {
    root: final.root,
    workdir: final.workdir,
    entrypoint: final.entrypoint,
    cmd: final.cmd,
    env: final.env,
    user: final.user,
    notBuilt: final.notBuilt,
    installed: deps?.installed ?? new Set(),
  };
}

function runCommandsOf(i: Instruction): string[][] {
  return (i.getArgumentsContent() ?? '').split('&&').map((c) =>
    c
      .replace(/\\\s*\n/g, ' ')
      .trim()
      .split(/\s+/),
  );
}

/** COPY from the build context: a file, or a directory's contents, minus what .dockerignore excludes. */
function copyFromContext(
  src: string,
  dest: string,
  destIsDir: boolean,
  ignored: (rel: string) => boolean,
): void {
  const rel = posix.normalize(src);
  const abs = join(REPO, rel);
  if (ignored(rel) || !existsSync(abs)) throw new Error(`COPY ${src}: not in the build context`);
  if (lstatSync(abs).isDirectory()) {
    const walk = (from: string, to: string, relDir: string) => {
      mkdirSync(to, { recursive: true, mode: 0o755 });
      for (const name of readdirSync(from)) {
        const r = relDir === '.' ? name : `${relDir}/${name}`;
        if (ignored(r)) continue;
        const f = join(from, name);
        if (lstatSync(f).isDirectory()) walk(f, join(to, name), r);
        else copyFileSync(f, join(to, name));
      }
    };
    walk(abs, dest, rel);
  } else {
    const target = destIsDir ? join(dest, posix.basename(rel)) : dest;
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    copyFileSync(abs, target);
  }
}

/**
 * A directory tree into another: files hard-linked (copied across file systems), symbolic links
 * kept as they are; `skipTop` names entries of the top directory to leave out.
 */
function linkTree(from: string, to: string, skipTop: ReadonlySet<string> = new Set()): void {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (skipTop.has(e.name)) continue;
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) linkTree(src, dst);
    else if (e.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      try {
        linkSync(src, dst);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        copyFileSync(src, dst);
      }
    }
  }
}

/**
 * The production set laid out as npm lays it out (the lock's paths), each package taken from the
 * repository's node_modules without its own nested node_modules (those come in by their own path
 * when they are in the set); workspace links as symbolic links.
 */
function installInto(set: Set<string>, appDir: string): void {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const paths = [...set].filter((p) => p.includes('node_modules/')).sort((a, b) => a.length - b.length);
  for (const path of paths) {
    const e = lock.packages[path];
    const target = join(appDir, path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    if (e.link) {
      symlinkSync(relative(dirname(target), join(appDir, e.resolved as string)), target);
      continue;
    }
    const source = join(REPO, path);
    if (!existsSync(source))
      throw new Error(`${path} is in the production set but not installed here (npm ci first)`);
    linkTree(source, target, new Set(['node_modules']));
  }
}

/** Every directory above `dir` with a node_modules in it (module resolution would escape the image there). */
export function leakyAncestors(dir: string): string[] {
  const out: string[] = [];
  let d = dirname(dir);
  for (;;) {
    if (existsSync(join(d, 'node_modules'))) out.push(d);
    const up = dirname(d);
    if (up === d) return out;
    d = up;
  }
}
