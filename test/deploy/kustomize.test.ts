// The kustomize-subset renderer the deploy tests use (test/deploy/support/kustomize.ts): its
// behaviour on small fixtures, and, where a kubectl with a modern kustomize is on the machine,
// the same objects as kustomize itself for every overlay.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  configMapHash,
  idOf,
  type KObject,
  KustomizeError,
  kustomize,
  parseImage,
  parseYaml,
} from './support/kustomize.ts';
import { OVERLAYS_DIR, overlayNames, rendered } from './support/manifests.ts';

const tmp = mkdtempSync(join(tmpdir(), 'capstream-kustomize-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The value at a dotted path (numbers index arrays). */
function at(v: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], v);
}

let n = 0;
/** Writes files (path → text) into a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
  const root = join(tmp, String(n++));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.local:5000/team/web:1.0
          env:
            - name: A
              value: "1"
            - name: B
              valueFrom:
                configMapKeyRef:
                  name: settings
                  key: B
`;

describe('renderer', () => {
  test('strategic merge: lists merge by key, patched items first (as kustomize orders them), null deletes', () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\nkind: Kustomization\n',
      'base/deploy.yaml': deployment,
      'kustomization.yaml': 'kind: Kustomization\nresources: [base]\npatches:\n  - path: patch.yaml\n',
      'patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - name: B
              value: "2"
              valueFrom: null
            - name: C
              value: "3"
`,
    });
    const [d] = kustomize(dir);
    const env = at(d, 'spec.template.spec.containers.0.env');
    assert.deepEqual(env, [
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
      { name: 'A', value: '1' },
    ]);
    assert.equal(at(d, 'spec.template.spec.containers.0.image'), 'registry.local:5000/team/web:1.0');
  });

  test('$patch: delete removes the resource; JSON 6902 add, replace, remove; a missing path is an error', () => {
    const base = {
      'deploy.yaml': deployment,
      'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n',
    };
    const dir = tree({
      ...base,
      'kustomization.yaml': `kind: Kustomization
resources: [deploy.yaml, svc.yaml]
patches:
  - path: delete.yaml
  - target: {kind: Service, name: web}
    patch: |-
      - op: add
        path: /spec/ports/-
        value: {port: 443}
      - op: replace
        path: /spec/ports/0/port
        value: 8080
      - op: add
        path: /metadata/labels
        value: {a: b}
`,
      'delete.yaml': '$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    });
    const out = kustomize(dir);
    assert.deepEqual(
      out.map((o) => o.kind),
      ['Service'],
    );
    assert.deepEqual(at(out[0], 'spec.ports'), [{ port: 8080 }, { port: 443 }]);
    assert.deepEqual(out[0].metadata.labels, { a: 'b' });

    const bad = tree({
      ...base,
      'kustomization.yaml':
        'kind: Kustomization\nresources: [svc.yaml]\npatches:\n  - target: {kind: Service}\n    patch: |-\n      - op: replace\n        path: /spec/nope/0\n        value: 1\n',
    });
    assert.throws(() => kustomize(bad), KustomizeError);
  });

  test('configMapGenerator: hash suffix as kustomize computes it, merge behaviour, references renamed', () => {
    // Measured with kustomize v5.5.0: a generator `a` with the literal X=1 is named a-4f64tg9ch6.
    assert.equal(configMapHash({ X: '1' }), '4f64tg9ch6');
    const dir = tree({
      'base/kustomization.yaml':
        'kind: Kustomization\nresources: [deploy.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [B=1, X=1]\n',
      'base/deploy.yaml': deployment,
      'kustomization.yaml':
        'kind: Kustomization\nnamespace: ns\nresources: [base]\nconfigMapGenerator:\n  - name: settings\n    behavior: merge\n    literals: [B=2]\n',
    });
    const out = kustomize(dir);
    const cm = out.find((o) => o.kind === 'ConfigMap') as KObject;
    assert.deepEqual(cm.data, { B: '2', X: '1' });
    assert.equal(cm.metadata.name, `settings-${configMapHash({ B: '2', X: '1' })}`);
    assert.equal(cm.metadata.namespace, 'ns');
    const d = out.find((o) => o.kind === 'Deployment');
    assert.equal(
      at(d, 'spec.template.spec.containers.0.env.1.valueFrom.configMapKeyRef.name'),
      cm.metadata.name,
    );
  });

  test('images: a registry port is not a tag; newName and newTag replace', () => {
    assert.deepEqual(parseImage('registry.local:5000/team/web:1.0'), {
      name: 'registry.local:5000/team/web',
      tag: '1.0',
    });
    assert.deepEqual(parseImage('capstream'), { name: 'capstream' });
    const dir = tree({
      'deploy.yaml': deployment,
      'kustomization.yaml':
        'kind: Kustomization\nresources: [deploy.yaml]\nimages:\n  - name: registry.local:5000/team/web\n    newName: example.org/web\n    newTag: "2.0"\n',
    });
    assert.equal(at(kustomize(dir)[0], 'spec.template.spec.containers.0.image'), 'example.org/web:2.0');
  });

  test('components act on the resources of the kustomization that lists them', () => {
    const dir = tree({
      'deploy.yaml': deployment,
      'comp/kustomization.yaml':
        'kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\nresources: [extra.yaml]\npatches:\n  - path: del.yaml\n',
      'comp/extra.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: extra\n',
      'comp/del.yaml': '$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
      'kustomization.yaml': 'kind: Kustomization\nresources: [deploy.yaml]\ncomponents: [comp]\n',
    });
    assert.deepEqual(
      kustomize(dir).map((o) => `${o.kind}/${o.metadata.name}`),
      ['ServiceAccount/extra'],
    );
  });

  test('a kustomization field outside the subset is an error, never ignored', () => {
    const dir = tree({
      'deploy.yaml': deployment,
      'kustomization.yaml': 'kind: Kustomization\nresources: [deploy.yaml]\nnamePrefix: x-\n',
    });
    assert.throws(() => kustomize(dir), /namePrefix/);
  });
});

/** kubectl's built-in kustomize, when it is new enough for components (v4+). */
function kubectlKustomize(): string | null {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  try {
    const v = JSON.parse(r.stdout) as { kustomizeVersion?: string };
    const major = Number(/^v(\d+)/.exec(v.kustomizeVersion ?? '')?.[1]);
    return major >= 4 ? (v.kustomizeVersion as string) : null;
  } catch {
    return null;
  }
}

describe('the same objects as kustomize itself', () => {
  const version = kubectlKustomize();
  for (const overlay of overlayNames()) {
    test(overlay, {
      skip: version ? false : 'no kubectl with kustomize v4+ on this machine (Debian 12 ships v2)',
    }, () => {
      const r = spawnSync('kubectl', ['kustomize', join(OVERLAYS_DIR, overlay)], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      assert.equal(r.status, 0, r.stderr);
      const theirs = new Map(
        (parseYaml(r.stdout, 'kubectl kustomize') as KObject[]).map((o) => [idOf(o), o]),
      );
      const ours = new Map(rendered(overlay).map((o) => [idOf(o), o]));
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `kustomize ${version}`);
      for (const [id, o] of ours) assert.deepEqual(o, theirs.get(id), id);
    });
  }
});
