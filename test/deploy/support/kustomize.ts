/**
 * A renderer for the subset of kustomize that deploy/k8s uses, so that the manifests can be
 * rendered and checked offline with nothing but npm packages.
 *
 * Why not the real thing: Debian 12's only kustomize is the one inside its kubectl 1.20
 * (kustomize v2.0.3), which predates components, `patches` and `labels`; there is no kustomize on
 * npm, and nothing else may be downloaded. Where a recent kubectl is on the machine (its built-in
 * kustomize v4+), test/deploy/kustomize.test.ts renders every overlay with it too and requires
 * the same objects, so this renderer cannot drift from kustomize unnoticed.
 *
 * Supported: `resources` (files and directories), `components`, `namespace`, `patches`
 * (strategic merge, with or without a target; JSON 6902 with a target), `images`,
 * `configMapGenerator` (literals, behavior create/merge/replace, the content-hash name suffix and
 * the references to it). Anything else in a kustomization is an error, never silently ignored.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface KObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string };
}

interface Resource {
  obj: KObject;
  /** Set on generated ConfigMaps: the name before the hash suffix, and whether to add one. */
  generated?: { baseName: string; hash: boolean };
}

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'patches',
  'images',
  'configMapGenerator',
]);

/** Kinds without a namespace (only those that may appear here). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);

/** Kinds whose pod templates kustomize knows (names of generated ConfigMaps are updated there). */
const WORKLOADS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

export class KustomizeError extends Error {}

/** Renders the kustomization in `dir` (an overlay, a base or any directory of this subset). */
export function kustomize(dir: string): KObject[] {
  const out = build(resolve(dir), 'Kustomization', []);
  finishGeneratedNames(out);
  return out.map((r) => r.obj);
}

function loadKustomization(dir: string): JsonObject {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((f) => join(dir, f))
    .find((f) => existsSync(f));
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const docs = parseYaml(readFileSync(file, 'utf8'), file);
  if (docs.length !== 1 || !isObject(docs[0])) throw new KustomizeError(`${file}: one mapping expected`);
  const k = docs[0];
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(key)) {
      throw new KustomizeError(`${file}: '${key}' is not supported by this renderer (test/deploy/support)`);
    }
  }
  return k;
}

function build(dir: string, expectedKind: 'Kustomization' | 'Component', input: Resource[]): Resource[] {
  const k = loadKustomization(dir);
  const where = relative(process.cwd(), dir) || dir;
  if (k.kind !== expectedKind) {
    throw new KustomizeError(`${where}: kind ${String(k.kind)} where a ${expectedKind} is expected`);
  }
  const res: Resource[] = [...input];
  for (const entry of stringList(k.resources, `${where}: resources`)) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(`${where}: resource ${entry} does not exist`);
    const added = statSync(path).isDirectory()
      ? build(path, 'Kustomization', [])
      : parseYaml(readFileSync(path, 'utf8'), path).map((d) => ({ obj: asObject(d, path) }));
    for (const r of added) addResource(res, r, where);
  }
  // A component acts on everything accumulated so far, as a kustomization's own steps do.
  let acc = res;
  for (const entry of stringList(k.components, `${where}: components`)) {
    acc = build(resolve(dir, entry), 'Component', acc);
  }
  generateConfigMaps(acc, k.configMapGenerator, where);
  for (const p of list(k.patches, `${where}: patches`)) acc = applyPatch(acc, asJsonObject(p, where), dir);
  if (k.namespace !== undefined) {
    for (const r of acc) {
      if (!CLUSTER_SCOPED.has(r.obj.kind)) r.obj.metadata.namespace = String(k.namespace);
    }
  }
  for (const img of list(k.images, `${where}: images`)) setImages(acc, asJsonObject(img, where));
  return acc;
}

function addResource(res: Resource[], r: Resource, where: string): void {
  if (res.some((x) => sameId(x.obj, r.obj))) {
    throw new KustomizeError(`${where}: ${idOf(r.obj)} is declared twice`);
  }
  res.push(r);
}

export function idOf(o: KObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
}

function sameId(a: KObject, b: KObject): boolean {
  return (
    groupOf(a.apiVersion) === groupOf(b.apiVersion) &&
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '')
  );
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

// ---------------------------------------------------------------------------------------------
// configMapGenerator

function generateConfigMaps(acc: Resource[], spec: Json | undefined, where: string): void {
  for (const g of list(spec, `${where}: configMapGenerator`)) {
    const gen = asJsonObject(g, where);
    for (const key of Object.keys(gen)) {
      if (!['name', 'literals', 'behavior', 'options'].includes(key)) {
        throw new KustomizeError(`${where}: configMapGenerator.${key} is not supported by this renderer`);
      }
    }
    const name = String(gen.name);
    const data: JsonObject = {};
    for (const lit of stringList(gen.literals, `${where}: configMapGenerator ${name} literals`)) {
      const eq = lit.indexOf('=');
      if (eq <= 0) throw new KustomizeError(`${where}: literal '${lit}' is not KEY=VALUE`);
      data[lit.slice(0, eq)] = lit.slice(eq + 1);
    }
    const options = gen.options === undefined ? {} : asJsonObject(gen.options, where);
    for (const key of Object.keys(options)) {
      if (key !== 'disableNameSuffixHash') {
        throw new KustomizeError(
          `${where}: configMapGenerator options.${key} is not supported by this renderer`,
        );
      }
    }
    const behavior = gen.behavior === undefined ? 'create' : String(gen.behavior);
    const existing = acc.find((r) => r.generated?.baseName === name && r.obj.kind === 'ConfigMap');
    if (behavior === 'create') {
      if (existing) throw new KustomizeError(`${where}: ConfigMap ${name} is generated twice`);
      acc.push({
        obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
        generated: { baseName: name, hash: options.disableNameSuffixHash !== true },
      });
    } else if (behavior === 'merge' || behavior === 'replace') {
      if (!existing) throw new KustomizeError(`${where}: no generated ConfigMap ${name} to ${behavior}`);
      existing.obj.data =
        behavior === 'merge' ? { ...asJsonObject(existing.obj.data ?? {}, where), ...data } : data;
    } else {
      throw new KustomizeError(`${where}: configMapGenerator behavior '${behavior}' is unknown`);
    }
  }
}

/**
 * kustomize's content hash of a generated ConfigMap (kyaml's api/hasher): sha256 of the JSON of
 * {data, kind, name} with sorted keys as Go's encoding/json writes it, cut to 10 characters with
 * 0, 1, 3, a and e swapped for letters. The name in it is always "": kustomize looks the name up
 * with the path "metadata/name" as one field name, finds nothing and hashes the empty string
 * (checked against kustomize v5.5: a generator `a` with X=1 gives a-4f64tg9ch6).
 */
export function configMapHash(data: JsonObject): string {
  const hex = createHash('sha256')
    .update(goJson({ data, kind: 'ConfigMap', name: '' }))
    .digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

/** JSON as Go's json.Marshal writes it: map keys sorted, <, > and & escaped. */
function goJson(v: Json): string {
  if (v === null || typeof v !== 'object') {
    return JSON.stringify(v).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${goJson(k)}:${goJson(v[k])}`).join(',')}}`;
}

function finishGeneratedNames(all: Resource[]): void {
  const renamed = new Map<string, string>();
  for (const r of all) {
    if (!r.generated?.hash) continue;
    const data = asJsonObject(r.obj.data ?? {}, 'ConfigMap');
    const name = `${r.generated.baseName}-${configMapHash(data)}`;
    renamed.set(`${r.obj.metadata.namespace ?? ''}/${r.generated.baseName}`, name);
    r.obj.metadata.name = name;
  }
  if (renamed.size === 0) return;
  for (const r of all) {
    if (!WORKLOADS.has(r.obj.kind)) continue;
    const ns = r.obj.metadata.namespace ?? '';
    walk(r.obj, (node, key) => {
      if (key !== 'configMapKeyRef' && key !== 'configMapRef' && key !== 'configMap') return;
      if (!isObject(node) || typeof node.name !== 'string') return;
      const to = renamed.get(`${ns}/${node.name}`);
      if (to) node.name = to;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// patches

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function matches(o: KObject, t: Target): boolean {
  const group = groupOf(o.apiVersion);
  const version = o.apiVersion.slice(o.apiVersion.lastIndexOf('/') + 1);
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  if (t.kind !== undefined && t.kind !== o.kind) return false;
  if (t.name !== undefined && !new RegExp(`^(?:${t.name})$`).test(o.metadata.name)) return false;
  if (t.namespace !== undefined && t.namespace !== (o.metadata.namespace ?? '')) return false;
  return true;
}

function applyPatch(acc: Resource[], p: JsonObject, dir: string): Resource[] {
  for (const key of Object.keys(p)) {
    if (!['path', 'patch', 'target'].includes(key)) {
      throw new KustomizeError(`${dir}: patches[].${key} is not supported by this renderer`);
    }
  }
  const file = p.path === undefined ? undefined : resolve(dir, String(p.path));
  const text = file ? readFileSync(file, 'utf8') : String(p.patch ?? '');
  const where = file ? relative(process.cwd(), file) : `${relative(process.cwd(), dir)} (inline patch)`;
  const docs = parseYaml(text, where);
  if (docs.length === 0) throw new KustomizeError(`${where}: empty patch`);
  let target: Target | undefined;
  if (p.target !== undefined) {
    const t = asJsonObject(p.target, where);
    for (const key of Object.keys(t)) {
      if (!['group', 'version', 'kind', 'name', 'namespace'].includes(key)) {
        throw new KustomizeError(`${where}: target.${key} is not supported by this renderer`);
      }
    }
    target = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, String(v)])) as Target;
  }
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!target) throw new KustomizeError(`${where}: a JSON 6902 patch needs a target`);
    const ops = docs[0];
    for (const r of acc) if (matches(r.obj, target)) r.obj = json6902(r.obj, ops, where) as KObject;
    return acc;
  }
  if (target && docs.length !== 1) throw new KustomizeError(`${where}: one patch per targeted entry`);
  let out = acc;
  for (const doc of docs) out = strategicMergePatch(out, asJsonObject(doc, where), target, where);
  return out;
}

function strategicMergePatch(
  acc: Resource[],
  patch: JsonObject,
  target: Target | undefined,
  where: string,
): Resource[] {
  const t: Target = target ?? {
    group: groupOf(String(patch.apiVersion)),
    kind: String(patch.kind),
    name: String(asJsonObject(patch.metadata ?? {}, where).name).replace(/[.]/g, '\\.'),
  };
  const hits = acc.filter((r) => matches(r.obj, t));
  if (!target && hits.length !== 1) {
    throw new KustomizeError(
      `${where}: patch of ${String(patch.kind)} ${t.name} matches ${hits.length} resources, not 1`,
    );
  }
  if (patch.$patch === 'delete') return acc.filter((r) => !hits.includes(r));
  for (const r of hits) {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = patch;
    const md = isObject(patch.metadata) ? { ...patch.metadata } : {};
    delete md.name;
    delete md.namespace;
    r.obj = strategicMerge(r.obj, { ...rest, metadata: md }, [], builtIn(r.obj)) as KObject;
  }
  return acc;
}

/** Kinds with a Kubernetes schema, whose lists merge by key; custom resources' lists are replaced. */
function builtIn(o: KObject): boolean {
  return !o.apiVersion.includes('.') || o.apiVersion.includes('.k8s.io/');
}

/** The key by which a list field of a built-in kind merges (its patchMergeKey), if any. */
function mergeKey(path: string[], field: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      // A container's ports merge by containerPort, a Service's by port.
      return path.at(-1) === 'containers[]' || path.at(-1) === 'initContainers[]' ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function strategicMerge(base: Json, patch: Json, path: string[], schema: boolean): Json {
  if (!isObject(patch) || !isObject(base)) return clone(patch);
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch')
      throw new KustomizeError(`$patch: ${String(value)} inside a resource is not supported`);
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    const mk = schema ? mergeKey(path, key) : undefined;
    if (Array.isArray(value) && Array.isArray(current) && mk) {
      // As kustomize (kyaml) orders them: the patch's items first, in the patch's order (merged
      // with the item of the same key, if any), then the other items as they were.
      const rest = [...current];
      const front: Json[] = [];
      for (const item of value) {
        if (!isObject(item) || item[mk] === undefined) throw new KustomizeError(`${key}: item without ${mk}`);
        const at = rest.findIndex((x) => isObject(x) && x[mk] === item[mk]);
        const was = at >= 0 ? rest.splice(at, 1)[0] : undefined;
        if (item.$patch === 'delete') continue;
        front.push(
          was === undefined ? clone(item) : strategicMerge(was, item, [...path, `${key}[]`], schema),
        );
      }
      out[key] = [...front, ...rest];
    } else if (isObject(value) && isObject(current)) {
      out[key] = strategicMerge(current, value, [...path, key], schema);
    } else {
      out[key] = clone(value);
    }
  }
  return out;
}

function json6902(doc: KObject, ops: Json[], where: string): Json {
  const root: Json = clone(doc);
  for (const raw of ops) {
    const op = asJsonObject(raw, where);
    const kind = String(op.op);
    const tokens = String(op.path)
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (tokens.length === 0)
      throw new KustomizeError(`${where}: patching the whole document is not supported`);
    const last = tokens[tokens.length - 1];
    let parent: Json = root;
    for (const t of tokens.slice(0, -1)) {
      parent = Array.isArray(parent)
        ? parent[index(t, parent.length, where)]
        : isObject(parent)
          ? parent[t]
          : null;
      if (parent === undefined || parent === null || typeof parent !== 'object') {
        throw new KustomizeError(`${where}: ${op.op} ${op.path}: no such path`);
      }
    }
    if (kind === 'add' || kind === 'replace') {
      const value = clone(op.value ?? null);
      if (Array.isArray(parent)) {
        if (kind === 'add')
          parent.splice(last === '-' ? parent.length : index(last, parent.length + 1, where), 0, value);
        else parent[index(last, parent.length, where)] = value;
      } else if (isObject(parent)) {
        if (kind === 'replace' && !(last in parent)) {
          throw new KustomizeError(`${where}: replace ${op.path}: no such path`);
        }
        parent[last] = value;
      }
    } else if (kind === 'remove') {
      if (Array.isArray(parent)) parent.splice(index(last, parent.length, where), 1);
      else if (isObject(parent)) {
        if (!(last in parent)) throw new KustomizeError(`${where}: remove ${op.path}: no such path`);
        delete parent[last];
      }
    } else {
      throw new KustomizeError(`${where}: JSON patch op '${kind}' is not supported by this renderer`);
    }
  }
  return root;
}

function index(token: string, length: number, where: string): number {
  const i = Number(token);
  if (!/^\d+$/.test(token) || i >= length) throw new KustomizeError(`${where}: index ${token} out of range`);
  return i;
}

// ---------------------------------------------------------------------------------------------
// images

function setImages(acc: Resource[], spec: JsonObject): void {
  for (const key of Object.keys(spec)) {
    if (!['name', 'newName', 'newTag', 'digest'].includes(key)) {
      throw new KustomizeError(`images[].${key} is not supported by this renderer`);
    }
  }
  for (const r of acc) {
    walk(r.obj, (node, key) => {
      if ((key !== 'containers' && key !== 'initContainers') || !Array.isArray(node)) return;
      for (const c of node) {
        if (!isObject(c) || typeof c.image !== 'string') continue;
        const ref = parseImage(c.image);
        if (ref.name !== spec.name) continue;
        const name = spec.newName === undefined ? ref.name : String(spec.newName);
        if (spec.digest !== undefined) c.image = `${name}@${String(spec.digest)}`;
        else {
          const tag = spec.newTag === undefined ? ref.tag : String(spec.newTag);
          c.image = `${name}${tag ? `:${tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
        }
      }
    });
  }
}

/** `registry/name:tag@digest` split into its parts (a port in the registry is not a tag). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@') as [string, string | undefined];
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    ...(hasTag ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

export function parseYaml(text: string, where: string): Json[] {
  const docs = parseAllDocuments(text);
  const out: Json[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new KustomizeError(`${where}: ${d.errors[0].message}`);
    const v = d.toJS() as Json;
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

function asObject(v: Json, where: string): KObject {
  const o = asJsonObject(v, where);
  const md = o.metadata;
  if (
    typeof o.apiVersion !== 'string' ||
    typeof o.kind !== 'string' ||
    !isObject(md) ||
    typeof md.name !== 'string'
  ) {
    throw new KustomizeError(`${where}: a resource needs apiVersion, kind and metadata.name`);
  }
  return o as KObject;
}

function asJsonObject(v: Json | undefined, where: string): JsonObject {
  if (!isObject(v)) throw new KustomizeError(`${where}: a mapping expected`);
  return v;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: Json | undefined, where: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KustomizeError(`${where}: a list expected`);
  return v;
}

function stringList(v: Json | undefined, where: string): string[] {
  return list(v, where).map((x) => {
    if (typeof x !== 'string') throw new KustomizeError(`${where}: strings expected`);
    return x;
  });
}

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

/** Calls `fn` with every value in the tree and the key it is found under. */
export function walk(v: Json, fn: (node: Json, key: string) => void, key = ''): void {
  fn(v, key);
  if (Array.isArray(v)) for (const x of v) walk(x, fn, key);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, fn, k);
}

/** The directory of the repository (test/deploy/support → ../../..). */
export const REPO = resolve(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
