// Cross-checks of every overlay: the objects agree with each other (selectors, ports, names,
// references), with the code (topics, partitions, consumer groups, environment variables), with
// the image (name, user, port) and with the security posture the deployment promises (restricted
// pods, no API access, least network access).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  type Consumption,
  consumption,
  envNamesInCode,
  pipelineTopicSpecs,
  repoVersion,
} from './support/contract.ts';
import { imageTitle, parseDockerfile } from './support/image.ts';
import { idOf, isObject, type Json, type KObject, parseImage, REPO } from './support/kustomize.ts';
import {
  arr,
  COMPONENTS,
  capstreamWorkloads,
  componentOf,
  containers,
  envOf,
  find,
  obj,
  ofKind,
  overlayNames,
  podTemplate,
  podTemplates,
  quantity,
  rendered,
  resolvePort,
  selects,
  serviceSelector,
  str,
} from './support/manifests.ts';
import { type Endpoint, inCidr, NetworkModel } from './support/netpol.ts';

const dockerfile = parseDockerfile();
const title = imageTitle(dockerfile);
const imageUser = (() => {
  const last = dockerfile.stages.at(-1);
  const user = last?.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
  return user?.getArgumentsContent() ?? '';
})();

/** User-provided Secrets as documented in docs/DEPLOY.md, between its markers: name → keys. */
function documentedSecrets(): Map<string, Set<string>> {
  const doc = readFileSync(join(REPO, 'docs', 'DEPLOY.md'), 'utf8');
  const section = /<!-- user-provided-secrets:start -->([\s\S]*?)<!-- user-provided-secrets:end -->/.exec(
    doc,
  );
  assert.ok(section, 'docs/DEPLOY.md has the user-provided Secrets table between its markers');
  const out = new Map<string, Set<string>>();
  for (const line of section[1].split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith('`')) continue;
    const name = cells[1].replace(/`/g, '');
    out.set(name, new Set([...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1])));
  }
  return out;
}

/** Every secretKeyRef in an object, wherever it is (pod templates, ClickHouseInstallation users). */
function secretRefs(o: Json): { name: string; key: string }[] {
  const out: { name: string; key: string }[] = [];
  const visit = (v: Json) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      if (isObject(v.secretKeyRef))
        out.push({ name: str(v.secretKeyRef.name), key: str(v.secretKeyRef.key) });
      Object.values(v).forEach(visit);
    }
  };
  visit(o);
  return out;
}

let contract: Record<'ingest' | 'parser' | 'geo', Consumption>;
before(async () => {
  contract = await consumption();
});

test('the Dockerfile names its image and runs as a numeric non-root user', () => {
  assert.equal(title, 'capstream');
  assert.match(imageUser, /^[1-9]\d*:[1-9]\d*$/);
});

for (const overlay of overlayNames()) {
  describe(`overlay ${overlay}`, () => {
    const objs = rendered(overlay);
    const namespace = str(objs.find((o) => o.kind === 'Namespace')?.metadata.name);
    const workloads = capstreamWorkloads(objs);
    const deployments = ofKind(objs, 'Deployment').filter(
      (d) => podTemplate(d)?.labels['app.kubernetes.io/name'] === 'capstream',
    );
    const kafka = ofKind(objs, 'Kafka')[0];
    const plain = arr(obj(obj(kafka?.spec).kafka).listeners).filter(isObject)[0] ?? {};
    const configMap = ofKind(objs, 'ConfigMap').find((c) => c.metadata.name.startsWith('capstream-config'));
    const config = obj(configMap?.data) as Record<string, string>;

    test('one namespace for everything, and a Deployment per service', () => {
      assert.ok(namespace, 'the overlay declares its Namespace');
      for (const o of objs)
        if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, namespace, idOf(o));
      assert.deepEqual(deployments.map(componentOf).sort(), [...COMPONENTS].sort());
    });

    test('every Service selects pods that exist, and its target ports are ports of those pods', () => {
      for (const svc of ofKind(objs, 'Service')) {
        const pods = podTemplates(objs).filter((p) => selects(serviceSelector(svc), p.labels));
        assert.ok(pods.length > 0, `${idOf(svc)} selects no pod`);
        for (const port of arr(obj(svc.spec).ports).filter(isObject)) {
          const target = port.targetPort ?? port.port;
          for (const p of pods) {
            assert.ok(
              containers(p.spec).some((c) => resolvePort(c, target) !== undefined),
              `${idOf(svc)} port ${String(target)}: no such container port in ${idOf(p.owner)}`,
            );
          }
        }
      }
    });

    test('probes use ports the container declares; the services probe /healthz and /readyz', () => {
      for (const { owner, spec } of podTemplates(objs)) {
        for (const c of containers(spec)) {
          for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
            const get = obj(obj(c[probe]).httpGet);
            if (c[probe] === undefined) continue;
            assert.ok(
              resolvePort(c, get.port) !== undefined,
              `${idOf(owner)} ${probe}: port ${String(get.port)}`,
            );
          }
        }
      }
      for (const d of deployments) {
        const c = containers(podTemplate(d)?.spec ?? {})[0];
        assert.equal(obj(obj(c.livenessProbe).httpGet).path, '/healthz', idOf(d));
        assert.equal(obj(obj(c.readinessProbe).httpGet).path, '/readyz', idOf(d));
        assert.equal(obj(obj(c.startupProbe).httpGet).path, '/healthz', idOf(d));
        // The services listen where the probes and the Service look: serve --port and --host.
        const args = arr(c.args).map(String);
        assert.equal(args[0], 'serve', idOf(d));
        assert.equal(Number(args[args.indexOf('--port') + 1]), resolvePort(c, 'http'), `${idOf(d)} --port`);
        assert.equal(args[args.indexOf('--host') + 1], '0.0.0.0', `${idOf(d)} --host`);
      }
    });

    test('the Ingress routes /graphql and /api to the API, the rest to the dashboard, on existing Service ports', () => {
      const ing = ofKind(objs, 'Ingress');
      assert.equal(ing.length, 1);
      const routes = new Map<string, string>();
      for (const rule of arr(obj(ing[0].spec).rules).filter(isObject)) {
        for (const path of arr(obj(rule.http).paths).filter(isObject)) {
          const backend = obj(obj(path.backend).service);
          const svc = find(objs, 'Service', str(backend.name));
          assert.ok(svc, `Ingress backend ${str(backend.name)}`);
          const portName = obj(backend.port).name;
          assert.ok(
            arr(obj(svc.spec).ports).some((p) => obj(p).name === portName),
            `${str(backend.name)}:${String(portName)}`,
          );
          routes.set(str(path.path), `${componentOf(svc)} ${str(path.pathType)}`);
        }
      }
      assert.deepEqual(Object.fromEntries(routes), {
        '/graphql': 'api Prefix',
        '/api': 'api Prefix',
        '/': 'dashboard Prefix',
      });
      // Subscriptions are long-lived WebSockets: the proxy must not cut idle ones after a minute.
      const ann = obj(ing[0].metadata.annotations);
      assert.ok(Number(ann['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600);
    });

    test('autoscalers and disruption budgets point at the Deployments; no more consumers than partitions', () => {
      const partitions = new Map(pipelineTopicSpecs().map((s) => [s.topic, s.partitions]));
      for (const hpa of ofKind(objs, 'HorizontalPodAutoscaler')) {
        const ref = obj(obj(hpa.spec).scaleTargetRef);
        const target = find(objs, str(ref.kind), str(ref.name));
        assert.ok(target, `${idOf(hpa)} → ${str(ref.name)}`);
        const spec = obj(hpa.spec);
        assert.ok((spec.minReplicas as number) <= (spec.maxReplicas as number), idOf(hpa));
        const c = contract[componentOf(target) as keyof typeof contract];
        if (c)
          assert.ok(
            (spec.maxReplicas as number) <= (partitions.get(c.topic) ?? 0),
            `${idOf(hpa)} beyond ${c.topic}`,
          );
      }
      for (const so of ofKind(objs, 'ScaledObject')) {
        const spec = obj(so.spec);
        const target = find(objs, 'Deployment', str(obj(spec.scaleTargetRef).name));
        assert.ok(target, idOf(so));
        const c = contract[componentOf(target) as keyof typeof contract];
        assert.ok(c, `${idOf(so)}: a ScaledObject for a stage without a consumer group`);
        assert.ok((spec.maxReplicaCount as number) <= (partitions.get(c.topic) ?? 0), idOf(so));
        assert.equal(
          find(objs, 'HorizontalPodAutoscaler', target.metadata.name),
          undefined,
          `${idOf(so)}: two autoscalers`,
        );
        const lag = arr(spec.triggers)
          .map(obj)
          .find((t) => t.type === 'kafka');
        assert.ok(lag, idOf(so));
        const md = obj(lag.metadata);
        assert.equal(md.topic, c.topic, idOf(so));
        assert.equal(md.consumerGroup, c.group, idOf(so));
        // KEDA's operator resolves the address from its own namespace: the full Service name.
        assert.equal(
          md.bootstrapServers,
          `${kafka.metadata.name}-kafka-bootstrap.${namespace}.svc:${String(plain.port)}`,
        );
      }
      for (const pdb of ofKind(objs, 'PodDisruptionBudget')) {
        assert.ok(
          podTemplates(objs).some((p) => selects(obj(pdb.spec).selector, p.labels)),
          `${idOf(pdb)} selects no pod`,
        );
      }
      for (const d of deployments) {
        assert.ok(
          ofKind(objs, 'PodDisruptionBudget').some((p) =>
            selects(obj(p.spec).selector, podTemplate(d)?.labels ?? {}),
          ),
          `${idOf(d)} has no PodDisruptionBudget`,
        );
        const scaled =
          find(objs, 'HorizontalPodAutoscaler', d.metadata.name) ??
          ofKind(objs, 'ScaledObject').find((s) => obj(obj(s.spec).scaleTargetRef).name === d.metadata.name);
        assert.ok(scaled, `${idOf(d)} has no autoscaler`);
        assert.equal(obj(d.spec).replicas, undefined, `${idOf(d)}: replicas belong to the autoscaler`);
      }
    });

    test('topics: the KafkaTopic resources are exactly the code contract (names, partitions, retention, configs)', () => {
      const topics = ofKind(objs, 'KafkaTopic');
      const actual = topics.map((t) => {
        const spec = obj(t.spec);
        assert.equal(obj(t.metadata.labels)['strimzi.io/cluster'], kafka.metadata.name, idOf(t));
        return {
          topic: str(spec.topicName) || t.metadata.name,
          partitions: spec.partitions,
          configs: obj(spec.config),
        };
      });
      const expected = pipelineTopicSpecs().map((s) => ({
        topic: s.topic,
        partitions: s.partitions,
        configs: { 'retention.ms': String(s.retentionMs), ...s.configs },
      }));
      const byName = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
      assert.deepEqual(actual.sort(byName), expected.sort(byName));
      // Topics come from these resources or from the services, never from a typo'd name.
      assert.equal(obj(obj(obj(kafka.spec).kafka).config)['auto.create.topics.enable'], false);
    });

    test('the consumer groups KEDA and the exporter watch are the groups the stages join', () => {
      const exporter = obj(obj(kafka.spec).kafkaExporter);
      const groupRe = new RegExp(`^(?:${str(exporter.groupRegex)})$`);
      const topicRe = new RegExp(`^(?:${str(exporter.topicRegex)})$`);
      for (const c of Object.values(contract)) {
        assert.match(c.group, groupRe);
        assert.match(c.topic, topicRe);
      }
    });

    test('configuration: KAFKA_BROKERS and CLICKHOUSE_URL name the Services Strimzi and ClickHouse provide', () => {
      assert.equal(config.KAFKA_BROKERS, `${kafka.metadata.name}-kafka-bootstrap:${String(plain.port)}`);
      const url = new URL(config.CLICKHOUSE_URL);
      const chi = ofKind(objs, 'ClickHouseInstallation')[0];
      if (chi) {
        // The operator names the Service from the serviceTemplate: clickhouse-{chi}.
        const tpl = arr(obj(obj(chi.spec).templates).serviceTemplates).map(obj)[0];
        assert.equal(str(tpl.generateName).replace('{chi}', chi.metadata.name), url.hostname);
        assert.ok(
          arr(obj(tpl.spec).ports).some((p) => obj(p).port === Number(url.port)),
          'HTTP port in the CHI Service',
        );
        const users = Object.keys(obj(obj(obj(chi.spec).configuration).users));
        assert.ok(
          users.includes(`${config.CLICKHOUSE_USER}/password`),
          'the CHI defines CLICKHOUSE_USER with a password',
        );
      } else {
        const svc = find(objs, 'Service', url.hostname);
        assert.ok(svc, `Service ${url.hostname}`);
        assert.ok(arr(obj(svc.spec).ports).some((p) => obj(p).port === Number(url.port)));
      }
    });

    test('environment: ConfigMap and Secret references resolve, and every variable is one the code reads', () => {
      const known = envNamesInCode();
      const documented = documentedSecrets();
      for (const { owner, spec } of podTemplates(objs)) {
        const ours = obj(owner.metadata.labels)['app.kubernetes.io/name'] === 'capstream';
        for (const c of containers(spec)) {
          for (const [name, e] of envOf(c)) {
            if (ours)
              assert.ok(
                known.has(name) || name === 'NODE_OPTIONS',
                `${idOf(owner)}: ${name} is read by no code`,
              );
            const cm = obj(obj(e.valueFrom).configMapKeyRef);
            if (cm.name !== undefined) {
              const target = find(objs, 'ConfigMap', str(cm.name));
              assert.ok(target, `${idOf(owner)} ${name}: ConfigMap ${str(cm.name)}`);
              assert.ok(str(cm.key) in obj(target.data), `${idOf(owner)} ${name}: key ${str(cm.key)}`);
            }
          }
          for (const from of arr(c.envFrom).map(obj)) {
            assert.ok(find(objs, 'ConfigMap', str(obj(from.configMapRef).name)), `${idOf(owner)} envFrom`);
          }
        }
      }
      for (const o of objs) {
        for (const ref of secretRefs(o)) {
          assert.ok(
            documented.get(ref.name)?.has(ref.key),
            `${idOf(o)}: Secret ${ref.name}/${ref.key} is not documented as user-provided`,
          );
        }
      }
      for (const ing of ofKind(objs, 'Ingress')) {
        for (const tls of arr(obj(ing.spec).tls).map(obj)) {
          assert.ok(
            documented.has(str(tls.secretName)),
            `TLS Secret ${str(tls.secretName)} is not documented`,
          );
        }
      }
      // The settings in the ConfigMap are read by the code too.
      for (const key of Object.keys(config))
        assert.ok(known.has(key), `capstream-config ${key} is read by no code`);
    });

    test('images: the services run the image the Dockerfile builds; others are pinned', () => {
      const version = repoVersion();
      for (const { owner, spec } of podTemplates(objs)) {
        for (const c of containers(spec)) {
          const ref = parseImage(str(c.image));
          if (obj(owner.metadata.labels)['app.kubernetes.io/name'] === 'capstream') {
            assert.equal(ref.name.split('/').at(-1), title, `${idOf(owner)}: ${str(c.image)}`);
            if (overlay.startsWith('production'))
              assert.equal(ref.tag, version, `${idOf(owner)}: release tag`);
            // The image's ENTRYPOINT is the CLI: the containers pass only its arguments.
            assert.equal(c.command, undefined, idOf(owner));
          } else {
            assert.ok(ref.tag && ref.tag !== 'latest', `${idOf(owner)}: ${str(c.image)} is not pinned`);
          }
        }
      }
      for (const chi of ofKind(objs, 'ClickHouseInstallation')) {
        for (const pt of arr(obj(obj(chi.spec).templates).podTemplates).map(obj)) {
          for (const c of arr(obj(pt.spec).containers).map(obj)) {
            const ref = parseImage(str(c.image));
            assert.ok(ref.tag && ref.tag !== 'latest', `${idOf(chi)}: ${str(c.image)} is not pinned`);
          }
        }
      }
    });

    test('pods meet the restricted Pod Security Standard; Capstream pods also read-only, with limits', () => {
      const [uid, gid] = imageUser.split(':').map(Number);
      const pods = [
        ...podTemplates(objs).map((p) => ({
          id: idOf(p.owner),
          spec: p.spec,
          ours: p.labels['app.kubernetes.io/name'] === 'capstream',
        })),
        ...ofKind(objs, 'ClickHouseInstallation').flatMap((chi) =>
          arr(obj(obj(chi.spec).templates).podTemplates).map((pt) => ({
            id: idOf(chi),
            spec: obj(obj(pt).spec),
            ours: false,
          })),
        ),
      ];
      for (const { id, spec, ours } of pods) {
        const psc = obj(spec.securityContext);
        for (const bad of ['hostNetwork', 'hostPID', 'hostIPC'])
          assert.notEqual(spec[bad], true, `${id}: ${bad}`);
        for (const v of arr(spec.volumes).map(obj)) {
          const type = Object.keys(v).find((k) => k !== 'name');
          assert.ok(
            ['configMap', 'emptyDir', 'persistentVolumeClaim', 'secret', 'projected', 'downwardAPI'].includes(
              type ?? '',
            ),
            `${id}: volume ${type}`,
          );
        }
        for (const c of containers(spec)) {
          const sc = obj(c.securityContext);
          const where = `${id} ${str(c.name)}`;
          assert.equal(sc.runAsNonRoot ?? psc.runAsNonRoot, true, `${where}: runAsNonRoot`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.notEqual(sc.privileged, true, `${where}: privileged`);
          assert.ok(arr(obj(sc.capabilities).drop).includes('ALL'), `${where}: capabilities drop ALL`);
          assert.deepEqual(arr(obj(sc.capabilities).add), [], `${where}: capabilities added`);
          const seccomp = str(obj(sc.seccompProfile ?? psc.seccompProfile).type);
          assert.ok(['RuntimeDefault', 'Localhost'].includes(seccomp), `${where}: seccompProfile`);
          const res = obj(c.resources);
          assert.ok(obj(res.requests).memory && obj(res.limits).memory, `${where}: memory request and limit`);
          assert.ok(obj(res.requests).cpu, `${where}: cpu request`);
          if (!ours) continue;
          assert.equal(sc.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.equal(psc.runAsUser, uid, `${where}: runAsUser is the image's user`);
          assert.equal(psc.runAsGroup, gid, `${where}: runAsGroup is the image's group`);
          assert.ok(obj(res.limits).cpu, `${where}: cpu limit`);
          for (const r of ['cpu', 'memory']) {
            assert.ok(
              quantity(obj(res.requests)[r]) <= quantity(obj(res.limits)[r]),
              `${where}: ${r} request above limit`,
            );
          }
          // The V8 heap must fit under the memory limit, with room for buffers (the geo databases, segments).
          const heap = /--max-old-space-size=(\d+)/.exec(str(envOf(c).get('NODE_OPTIONS')?.value));
          assert.ok(heap, `${where}: NODE_OPTIONS sets --max-old-space-size`);
          assert.ok(
            Number(heap[1]) * 2 ** 20 <= 0.8 * quantity(obj(res.limits).memory),
            `${where}: heap ${heap[1]} MiB vs limit`,
          );
          // tsx keeps its transpile cache in the temporary directory: writable despite the read-only root.
          assert.ok(
            arr(c.volumeMounts).some((m) => obj(m).mountPath === '/tmp'),
            `${where}: /tmp volume`,
          );
        }
      }
    });

    test('a ServiceAccount per workload, none with API access; no RBAC at all', () => {
      for (const w of workloads) {
        const spec = podTemplate(w)?.spec ?? {};
        const sa = find(objs, 'ServiceAccount', str(spec.serviceAccountName));
        assert.ok(sa, `${idOf(w)}: ServiceAccount ${str(spec.serviceAccountName)}`);
        assert.equal(sa.automountServiceAccountToken, false, idOf(sa));
        assert.equal(spec.automountServiceAccountToken, false, idOf(w));
      }
      const accounts = workloads.map((w) => str(podTemplate(w)?.spec.serviceAccountName));
      assert.equal(new Set(accounts).size, accounts.length, 'one ServiceAccount per workload');
      assert.deepEqual(objs.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind)).map(idOf), []);
    });

    test('the shared data volume: ReadWriteMany, mounted where --data points, by ingest, parsers and the API', () => {
      const pvc = find(objs, 'PersistentVolumeClaim', 'capstream-data');
      assert.ok(pvc);
      assert.deepEqual(obj(pvc.spec).accessModes, ['ReadWriteMany']);
      const users: string[] = [];
      for (const d of deployments) {
        const spec = podTemplate(d)?.spec ?? {};
        const vol = arr(spec.volumes)
          .map(obj)
          .find((v) => obj(v.persistentVolumeClaim).claimName === 'capstream-data');
        const c = containers(spec)[0];
        const args = arr(c.args).map(String);
        const data = args.includes('--data') ? args[args.indexOf('--data') + 1] : undefined;
        if (!vol) {
          assert.equal(data, undefined, `${idOf(d)}: --data without the shared volume`);
          continue;
        }
        users.push(componentOf(d));
        const mount = arr(c.volumeMounts)
          .map(obj)
          .find((m) => m.name === vol.name);
        assert.equal(mount?.mountPath, data, `${idOf(d)}: --data is the mount`);
      }
      assert.deepEqual(users.sort(), ['api', 'ingest', 'parser']);
    });

    test('the migration Job runs `capstream migrate` with the same ClickHouse settings as the services', () => {
      const job = find(objs, 'Job', 'capstream-migrate');
      assert.ok(job);
      const c = containers(podTemplate(job)?.spec ?? {})[0];
      assert.equal(arr(c.args)[0], 'migrate');
      const geo = containers(
        podTemplate(find(objs, 'Deployment', 'capstream-geo') as KObject)?.spec ?? {},
      )[0];
      for (const name of [
        'CLICKHOUSE_URL',
        'CLICKHOUSE_USER',
        'CLICKHOUSE_PASSWORD',
        'CLICKHOUSE_DATABASE',
      ]) {
        assert.deepEqual(envOf(c).get(name), envOf(geo).get(name), name);
      }
    });

    describe('network: each pod reaches only what it needs', () => {
      const net = new NetworkModel(objs);
      const podOf = (component: string): Endpoint => {
        const w = workloads.find((x) => componentOf(x) === component) as KObject;
        const t = podTemplate(w);
        const ports: Record<string, number> = {};
        for (const c of containers(t?.spec ?? {}))
          for (const p of arr(c.ports).map(obj)) ports[str(p.name)] = p.containerPort as number;
        return { namespace, labels: t?.labels, namedPorts: ports };
      };
      const chiLabels = ofKind(objs, 'ClickHouseInstallation').flatMap((c) =>
        arr(obj(obj(c.spec).templates).podTemplates).map(
          (pt) => obj(obj(obj(pt).metadata).labels) as Record<string, string>,
        ),
      );
      const chLabels =
        chiLabels[0] ?? podTemplate(find(objs, 'StatefulSet', 'clickhouse-capstream') as KObject)?.labels;
      const clickhouse: Endpoint = { namespace, labels: chLabels };
      const broker: Endpoint = {
        namespace,
        labels: {
          'strimzi.io/cluster': kafka.metadata.name,
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/name': `${kafka.metadata.name}-kafka`,
        },
      };
      const dns: Endpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
      const internet: Endpoint = { ip: '93.184.216.34' };
      const targets: Record<string, [Endpoint, number]> = {
        dns: [dns, 53],
        kafka: [broker, Number(plain.port)],
        clickhouse: [clickhouse, 8123],
        internet: [internet, 443],
        'private address': [{ ip: '10.1.2.3' }, 443],
        'cloud metadata': [{ ip: '169.254.169.254' }, 80],
      };
      const expected: Record<string, string[]> = {
        ingest: ['dns', 'kafka', 'internet'],
        parser: ['dns', 'kafka'],
        geo: ['dns', 'kafka', 'clickhouse'],
        api: ['dns', 'kafka', 'clickhouse'],
        dashboard: ['dns'],
        migrate: ['dns', 'clickhouse'],
      };
      for (const [component, allowed] of Object.entries(expected)) {
        test(`${component} reaches ${allowed.join(', ')} and nothing else`, () => {
          const from = podOf(component);
          const reach = Object.entries(targets)
            .filter(([name, [to, port]]) => net.allowed(from, to, port, name === 'dns' ? 'UDP' : 'TCP'))
            .map(([name]) => name);
          assert.deepEqual(reach, allowed);
          for (const other of COMPONENTS)
            assert.equal(net.allowed(from, podOf(other), 8080), false, `${component} → ${other}`);
        });
      }
      test('in: the ingress controller reaches the API and the dashboard only; Prometheus the metrics', () => {
        const controller: Endpoint = {
          namespace: 'ingress-nginx',
          labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
        };
        const prometheus: Endpoint = {
          namespace: 'monitoring',
          labels: { 'app.kubernetes.io/name': 'prometheus' },
        };
        const stranger: Endpoint = { namespace: 'default', labels: { app: 'other' } };
        for (const c of COMPONENTS) {
          assert.equal(
            net.allowed(controller, podOf(c), 8080),
            c === 'api' || c === 'dashboard',
            `controller → ${c}`,
          );
          assert.equal(net.allowed(prometheus, podOf(c), 8080), true, `prometheus → ${c}`);
          assert.equal(net.allowed(stranger, podOf(c), 8080), false, `stranger → ${c}`);
        }
        assert.equal(net.allowed(stranger, broker, Number(plain.port)), false, 'stranger → kafka');
        assert.equal(net.allowed(stranger, clickhouse, 8123), false, 'stranger → clickhouse');
        const keda: Endpoint = { namespace: 'keda', labels: { app: 'keda-operator' } };
        assert.equal(
          net.allowed(keda, broker, Number(plain.port)),
          ofKind(objs, 'ScaledObject').length > 0,
          'keda → kafka',
        );
        assert.ok(
          inCidr('fd00::1', 'fc00::/7') && !inCidr('2001:db8::1', 'fc00::/7'),
          'the evaluator reads IPv6',
        );
      });
    });
  });
}
