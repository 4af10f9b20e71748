// deploy/docker/Dockerfile and .dockerignore: parsed (dockerfile-ast), linted (dockerfile-utils,
// the validator behind the VS Code Docker extension, which reports what the Docker builder would
// reject), and held to the project's rules for its images. Also deploy/k8s/rollout.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import {
  DOCKERFILE,
  dockerignore,
  imageTitle,
  parseDockerfile,
  parseNpmCi,
  runCommands,
} from './support/image.ts';
import { REPO } from './support/kustomize.ts';
import { COMPONENTS, K8S_DIR } from './support/manifests.ts';

const text = readFileSync(DOCKERFILE, 'utf8');
const p = parseDockerfile();
const runtime = p.stages.at(-1);

/** Every problem the validator finds, warnings included (each raised to an error). */
function lint(source: string): string[] {
  const all = ValidationSeverity.ERROR;
  return validate(source, {
    deprecatedMaintainer: all,
    directiveCasing: all,
    emptyContinuationLine: all,
    instructionCasing: all,
    instructionCmdMultiple: all,
    instructionEntrypointMultiple: all,
    instructionHealthcheckMultiple: all,
    instructionJSONInSingleQuotes: all,
    instructionWorkdirRelative: all,
  }).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

/** The workspaces of the root package.json (globs of one level) that have a package.json. */
function workspaceDirs(): string[] {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .flatMap((w) => {
      const [parent] = w.split('/*');
      return readdirSync(join(REPO, parent)).map((d) => `${parent}/${d}`);
    })
    .filter((d) => existsSync(join(REPO, d, 'package.json')))
    .sort();
}

describe('lint', () => {
  test('the validator reports what the Docker builder would reject (shown on a broken Dockerfile)', () => {
    const problems = lint('from node:20\nCOPY --chmown=1 a b\nWORKDIR app\nADD x\nCMD ["a"]\nCMD ["b"]\n');
    assert.ok(problems.length >= 4, problems.join('\n'));
  });

  test('deploy/docker/Dockerfile: no problem at all', () => {
    assert.deepEqual(lint(text), []);
  });
});

describe('rules for the images', () => {
  test('multi-stage, every stage from the same pinned slim Node 20 image', () => {
    assert.ok(p.stages.length >= 2);
    for (const s of p.stages) {
      assert.match(s.base, /^node:20\.\d+\.\d+-[a-z]+-slim$/, `${s.name}: ${s.base}`);
    }
  });

  test('the runtime stage: a numeric non-root USER, exec-form ENTRYPOINT into the CLI, no ADD, no build tools', () => {
    assert.ok(runtime);
    const kws = runtime.instructions.map((i) => i.getKeyword());
    assert.ok(!kws.includes('ADD'));
    const user =
      runtime.instructions
        .filter((i) => i.getKeyword() === 'USER')
        .at(-1)
        ?.getArgumentsContent() ?? '';
    assert.match(user, /^[1-9]\d*:[1-9]\d*$/);
    assert.equal(kws.lastIndexOf('USER') > kws.lastIndexOf('RUN'), true, 'nothing runs as root after USER');
    const entry = p.df.getENTRYPOINTs().at(-1);
    assert.deepEqual(
      entry?.getJSONStrings().map((s) => s.getJSONValue()),
      ['node', '/app/bin/capstream.mjs'],
    );
    for (const cmd of runCommands(runtime)) {
      assert.ok(['groupadd', 'useradd'].includes(cmd[0]), `runtime RUN ${cmd.join(' ')}`);
    }
    assert.equal(imageTitle(p), 'capstream');
    assert.ok(kws.includes('EXPOSE'));
  });

  test('dependencies: npm ci from the lock; the runtime gets production dependencies only, no install scripts', () => {
    const installs = p.stages.flatMap((s) =>
      runCommands(s)
        .filter((c) => c[0] === 'npm' && c[1] !== 'cache' && c[1] !== 'run')
        .map((c) => ({ s, c })),
    );
    for (const { c } of installs) assert.equal(c[1], 'ci', `npm ${c[1]}: installs must follow the lock file`);
    const copiedFrom = new Set(
      runtime?.instructions.flatMap((i) =>
        i.getKeyword() === 'COPY' ? [/--from=(\S+)/.exec(i.getTextContent())?.[1]] : [],
      ),
    );
    const runtimeInstalls = installs.filter(({ s }) => copiedFrom.has(s.name) && s.name !== 'dashboard');
    assert.equal(runtimeInstalls.length, 1);
    const ci = parseNpmCi(runtimeInstalls[0].c);
    assert.equal(ci.omitDev, true);
    assert.equal(ci.ignoreScripts, true);
    assert.equal(ci.includeWorkspaceRoot, true, 'the root holds tsx, which runs the sources');
    assert.ok(ci.workspaces.includes('@capstream/cli'));
  });

  test('every stage that runs npm ci copies every workspace package.json first (or npm ci stops: lock out of step)', () => {
    const wanted = workspaceDirs().map((d) => `${d}/package.json`);
    for (const s of p.stages) {
      if (!runCommands(s).some((c) => c[0] === 'npm' && c[1] === 'ci')) continue;
      const copied = s.instructions
        .filter((i) => i.getKeyword() === 'COPY')
        .flatMap((i) =>
          i
            .getArguments()
            .slice(0, -1)
            .map((a) => a.getValue()),
        );
      for (const w of wanted) assert.ok(copied.includes(w), `stage ${s.name}: COPY ${w}`);
      assert.ok(copied.includes('package-lock.json'), `stage ${s.name}: the lock file`);
    }
  });

  test('.dockerignore keeps dependencies, data and tests out, and what the image needs in', () => {
    const ignored = dockerignore();
    for (const out of [
      'node_modules',
      'packages/core/node_modules/x',
      '.git/HEAD',
      '.data/chdb',
      'bench-data/a.pcap',
      'packages/core/test/a.test.ts',
      'apps/dashboard/.next/x',
      'apps/dashboard/out/index.html',
      'packages/kafka-testing/src/broker.ts',
    ]) {
      assert.equal(ignored(out), true, out);
    }
    for (const keep of [
      'package.json',
      'package-lock.json',
      'bin/capstream.mjs',
      'tsconfig.json',
      'tsconfig.base.json',
      'packages/core/src/index.ts',
      'services/geo/src/index.ts',
      'packages/kafka-testing/package.json',
      'apps/dashboard/package.json',
      'services/api/schema.graphql',
    ]) {
      assert.equal(ignored(keep), false, keep);
    }
  });
});

describe('deploy/k8s/rollout.sh', () => {
  const script = readFileSync(join(K8S_DIR, 'rollout.sh'), 'utf8');
  test('is valid bash', () => {
    const r = spawnSync('bash', ['-n', join(K8S_DIR, 'rollout.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  test('holds the services back until the migration Job of the manifests has run', () => {
    assert.deepEqual(/services="([^"]+)"/.exec(script)?.[1].split(',').sort(), [...COMPONENTS].sort());
    assert.equal(/^job=(\S+)$/m.exec(script)?.[1], 'capstream-migrate');
  });
});
