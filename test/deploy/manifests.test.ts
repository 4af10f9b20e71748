// Every object of every overlay, rendered, against the schemas: Kubernetes' OpenAPI schemas as
// compiled in kubernetes-models (types, required fields), kubernetes-types through tsc (unknown
// fields), and the CRD schemas kept in deploy/k8s/crds for the custom resources. Each check is
// first shown to catch a broken object, so that a pass means something.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { idOf, type KObject, parseYaml } from './support/kustomize.ts';
import { K8S_DIR, overlayNames, rendered } from './support/manifests.ts';
import {
  CRD_DIR,
  customResourceErrors,
  loadCrds,
  modelErrors,
  strictTypeErrors,
  type TypedValue,
  typedValues,
} from './support/schemas.ts';

const crds = loadCrds();

const brokenDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'broken' },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: { containers: [{ image: 'x', imagePullPolice: 'Always', ports: [{ containerPort: '8080' }] }] },
    },
  },
} as unknown as KObject;

describe('the checks catch broken objects', () => {
  test('kubernetes-models: a container without a name, a port that is not a number', async () => {
    const errors = (await modelErrors(brokenDeployment)) ?? [];
    assert.ok(
      errors.some((e) => /name/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /containerPort/.test(e)),
      errors.join('\n'),
    );
  });

  test('kubernetes-types with tsc: a misspelt field, a number as a string, a wrong apiVersion', () => {
    // tsc reports the first mismatch of each literal: one fault per object.
    const container = { name: 'c', image: 'x' };
    const withContainer = (c: object, apiVersion = 'apps/v1') =>
      ({
        ...brokenDeployment,
        apiVersion,
        spec: { ...(brokenDeployment.spec as object), template: { spec: { containers: [c] } } },
      }) as unknown as KObject;
    const errors = strictTypeErrors([
      ...typedValues(withContainer({ ...container, imagePullPolice: 'Always' }), 'misspelt'),
      ...typedValues(withContainer({ ...container, ports: [{ containerPort: '8080' }] }), 'string'),
      ...typedValues(withContainer(container, 'apps/v1beta1'), 'old'),
      ...typedValues(withContainer(container), 'fine'),
    ]);
    assert.ok(
      errors.some((e) => e.startsWith('misspelt') && /imagePullPolice/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => e.startsWith('string') && /'string' is not assignable to type 'number'/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => e.startsWith('old') && /apps\/v1beta1/.test(e)),
      errors.join('\n'),
    );
    assert.ok(!errors.some((e) => e.startsWith('fine')), errors.join('\n'));
  });

  test('CRD schemas: an unknown field, a value out of bounds, a missing required field', () => {
    const topic = {
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { name: 'capstream.flows.v3' },
      spec: { partition: 12, replicas: 0 },
    } as unknown as KObject;
    const errors = customResourceErrors(topic, crds) ?? [];
    assert.deepEqual(errors.sort(), ['/spec/partition: unknown field', '/spec/replicas: 0 is below 1']);
    const pool = {
      ...topic,
      kind: 'KafkaNodePool',
      metadata: { name: 'Pool' },
      spec: { replicas: 1 },
    } as KObject;
    const poolErrors = customResourceErrors(pool, crds) ?? [];
    assert.ok(poolErrors.includes('/spec: required field roles is missing'), poolErrors.join('\n'));
    assert.ok(
      poolErrors.some((e) => e.startsWith('/metadata/name')),
      poolErrors.join('\n'),
    );
  });

  test('a ClickHouseInstallation pod template is typed as a PodSpec', () => {
    const chi = {
      apiVersion: 'clickhouse.altinity.com/v1',
      kind: 'ClickHouseInstallation',
      metadata: { name: 'x' },
      spec: { templates: { podTemplates: [{ name: 'p', spec: { containerz: [] } }] } },
    } as unknown as KObject;
    assert.deepEqual(customResourceErrors(chi, crds), []);
    const errors = strictTypeErrors(typedValues(chi, 'chi'));
    assert.ok(
      errors.some((e) => /podTemplates\[0\]\.spec/.test(e) && /containerz/.test(e)),
      errors.join('\n'),
    );
  });
});

describe('CRD schemas kept in deploy/k8s/crds', () => {
  test('are valid CustomResourceDefinitions, one per kind the manifests use', async () => {
    const files = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 5);
    for (const f of files) {
      for (const doc of parseYaml(readFileSync(join(CRD_DIR, f), 'utf8'), f)) {
        assert.deepEqual(await modelErrors(doc as KObject), [], f);
      }
    }
  });
});

for (const overlay of overlayNames()) {
  describe(`overlay ${overlay}`, () => {
    const objs = rendered(overlay);

    test('renders, with no object declared twice', () => {
      assert.ok(objs.length > 20, `${objs.length} objects`);
      const ids = objs.map(idOf);
      assert.equal(new Set(ids).size, ids.length);
    });

    test('every object has a schema here: Kubernetes, or a CRD of deploy/k8s/crds', async () => {
      for (const o of objs) {
        const known = (await modelErrors(o)) !== null || customResourceErrors(o, crds) !== null;
        assert.ok(known, `${idOf(o)}: no schema to check it against`);
      }
    });

    test('Kubernetes objects pass the OpenAPI schemas (kubernetes-models)', async () => {
      const failures: string[] = [];
      for (const o of objs) {
        const errors = await modelErrors(o);
        if (errors?.length) failures.push(`${idOf(o)}:\n  ${errors.join('\n  ')}`);
      }
      assert.deepEqual(failures, []);
    });

    test('every object type-checks strictly as its kubernetes-types type (no unknown fields)', () => {
      const values: TypedValue[] = objs.flatMap((o) => typedValues(o, idOf(o)));
      assert.ok(values.length >= objs.length - 8, 'most objects have a TypeScript type');
      assert.deepEqual(strictTypeErrors(values), []);
    });

    test('custom resources pass their CRD schemas', () => {
      const failures: string[] = [];
      let checked = 0;
      for (const o of objs) {
        const errors = customResourceErrors(o, crds);
        if (errors === null) continue;
        checked++;
        if (errors.length) failures.push(`${idOf(o)}:\n  ${errors.join('\n  ')}`);
      }
      assert.ok(checked >= 7, `${checked} custom resources`);
      assert.deepEqual(failures, []);
    });

    test('no Secret is committed: Secrets are referenced, their values provided by the user', () => {
      assert.deepEqual(objs.filter((o) => o.kind === 'Secret').map(idOf), []);
    });
  });
}

test('no Secret manifest with values anywhere under deploy/', () => {
  const offenders: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (/\.ya?ml$/.test(name)) {
        for (const doc of parseYaml(readFileSync(path, 'utf8'), path)) {
          const o = doc as KObject;
          if (o && o.kind === 'Secret' && (o.data !== undefined || o.stringData !== undefined))
            offenders.push(path);
        }
      }
    }
  };
  visit(join(K8S_DIR, '..'));
  assert.deepEqual(offenders, []);
});
