/**
 * Three independent schema checks of rendered manifests:
 *
 * - `modelErrors`: the Kubernetes OpenAPI schemas compiled into `kubernetes-models` (types,
 *   formats, enums, required fields; they let unknown fields through) and, for KEDA's
 *   ScaledObject, `@kubernetes-models/keda`.
 * - `strictTypeErrors`: every object written as a TypeScript literal of its `kubernetes-types`
 *   type and compiled with `tsc` (in process): excess-property checks catch unknown or misspelt
 *   fields anywhere in the tree, and the literal types catch a wrong apiVersion or kind. The
 *   Kubernetes types embedded in custom resources (the ClickHouseInstallation's pod, volume claim
 *   and service specs) are checked the same way.
 * - `customResourceErrors`: custom resources against the CRD schemas kept in deploy/k8s/crds,
 *   with objects closed (unknown fields are errors, as with kubectl --validate=strict).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { isObject, type Json, type JsonObject, type KObject, parseYaml, REPO } from './kustomize.ts';

// ---------------------------------------------------------------------------------------------
// kubernetes-models

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/** The module of a kind in kubernetes-models (or @kubernetes-models/keda), if it has one. */
function modelModule(o: { apiVersion: string; kind: string }): string | undefined {
  if (o.apiVersion === 'keda.sh/v1alpha1') return `@kubernetes-models/keda/keda.sh/v1alpha1/${o.kind}`;
  const slash = o.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
  if (group.includes('.') && !group.endsWith('.k8s.io')) return undefined; // a custom resource
  return `kubernetes-models/${o.apiVersion}/${o.kind}`;
}

/** Errors from the compiled OpenAPI schema of the object's kind; null when no package has it. */
export async function modelErrors(o: KObject): Promise<string[] | null> {
  const mod = modelModule(o);
  if (!mod) return null;
  let Model: ModelClass;
  try {
    Model = (await import(mod))[o.kind] as ModelClass;
  } catch {
    return [`no model ${mod}: unknown apiVersion/kind`];
  }
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string; params?: unknown }[] }).errors;
    if (!errors) return [(e as Error).message];
    return errors.map((x) => `${x.instancePath || '/'} ${x.message ?? ''} ${JSON.stringify(x.params ?? {})}`);
  }
}

// ---------------------------------------------------------------------------------------------
// kubernetes-types through tsc

/** The TypeScript type of a built-in kind (kubernetes-types) or of a custom resource we have types for. */
function typeOf(o: { apiVersion: string; kind: string }): string | undefined {
  if (o.apiVersion === 'keda.sh/v1alpha1' && o.kind === 'ScaledObject') {
    return `import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject').IScaledObject`;
  }
  const slash = o.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? 'core' : o.apiVersion.slice(0, slash);
  const version = o.apiVersion.slice(slash + 1);
  if (group.includes('.') && !group.endsWith('.k8s.io')) return undefined;
  return `import('kubernetes-types/${group.split('.')[0]}/${version}').${o.kind}`;
}

export interface TypedValue {
  label: string;
  type: string;
  value: Json;
}

/** What tsc checks of an object: the object itself and the Kubernetes types inside custom resources. */
export function typedValues(o: KObject, label: string): TypedValue[] {
  const out: TypedValue[] = [];
  const t = typeOf(o);
  if (t) out.push({ label, type: t, value: o });
  if (o.kind === 'ClickHouseInstallation') {
    const templates = isObject(o.spec) && isObject(o.spec.templates) ? o.spec.templates : {};
    const embedded: [list: string, field: string, module: string, type: string][] = [
      ['podTemplates', 'spec', 'core/v1', 'PodSpec'],
      ['podTemplates', 'metadata', 'meta/v1', 'ObjectMeta'],
      ['volumeClaimTemplates', 'spec', 'core/v1', 'PersistentVolumeClaimSpec'],
      ['volumeClaimTemplates', 'metadata', 'meta/v1', 'ObjectMeta'],
      ['serviceTemplates', 'spec', 'core/v1', 'ServiceSpec'],
      ['serviceTemplates', 'metadata', 'meta/v1', 'ObjectMeta'],
    ];
    for (const [list, field, module, type] of embedded) {
      const items = templates[list];
      if (!Array.isArray(items)) continue;
      items.forEach((item, i) => {
        if (isObject(item) && item[field] !== undefined) {
          const value = item[field];
          out.push({
            label: `${label} ${list}[${i}].${field}`,
            type: `import('kubernetes-types/${module}').${type}`,
            value,
          });
        }
      });
    }
  }
  return out;
}

/**
 * Compiles every value as a literal of its type with the repository's TypeScript; returns the
 * diagnostics as `label: message`. One program for all values (a few seconds).
 */
export function strictTypeErrors(values: TypedValue[]): string[] {
  const file = join(REPO, 'test', 'deploy', '__manifests_typecheck__.ts');
  let text = '';
  const starts: { at: number; label: string }[] = [];
  values.forEach((v, i) => {
    starts.push({ at: text.length, label: v.label });
    text += `export const m${i}: ${v.type} = ${JSON.stringify(v.value, null, 1)};\n`;
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest);
  const fileExists = host.fileExists;
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  const readFile = host.readFile;
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== file || d.start === undefined) return `(typecheck) ${message}`;
    const at = d.start;
    const owner = starts.filter((s) => s.at <= at).at(-1);
    const line = text.slice(0, at).split('\n').length;
    return `${owner?.label ?? '?'} (generated line ${line}): ${message}`;
  });
}

// ---------------------------------------------------------------------------------------------
// CRD schemas

export interface CrdSchema {
  file: string;
  crd: KObject;
  schema: JsonObject;
}

export const CRD_DIR = join(REPO, 'deploy', 'k8s', 'crds');

/** The CRD subsets of deploy/k8s/crds by `group/version/Kind`. */
export function loadCrds(dir = CRD_DIR): Map<string, CrdSchema> {
  const out = new Map<string, CrdSchema>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const file = join(dir, name);
    for (const doc of parseYaml(readFileSync(file, 'utf8'), file)) {
      const crd = doc as KObject;
      const spec = crd.spec as JsonObject;
      const kind = (spec.names as JsonObject).kind as string;
      for (const v of spec.versions as JsonObject[]) {
        const schema = (v.schema as JsonObject).openAPIV3Schema as JsonObject;
        out.set(`${spec.group as string}/${v.name as string}/${kind}`, { file, crd, schema });
      }
    }
  }
  return out;
}

/** null when no CRD of the repository describes the object's kind. */
export function customResourceErrors(o: KObject, crds: Map<string, CrdSchema>): string[] | null {
  const entry = crds.get(`${o.apiVersion}/${o.kind}`);
  if (!entry) return null;
  const errors: string[] = [];
  const { metadata, ...rest } = o;
  checkMetadata(metadata, errors);
  validate(rest, entry.schema, '', errors);
  return errors;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkMetadata(md: JsonObject, errors: string[]): void {
  for (const key of Object.keys(md)) {
    if (!['name', 'namespace', 'labels', 'annotations'].includes(key))
      errors.push(`/metadata/${key}: unknown field`);
  }
  if (typeof md.name !== 'string' || md.name.length > 253 || !DNS_SUBDOMAIN.test(md.name)) {
    errors.push(`/metadata/name: ${JSON.stringify(md.name)} is not a DNS subdomain`);
  }
  for (const map of ['labels', 'annotations']) {
    const v = md[map];
    if (v === undefined) continue;
    if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      errors.push(`/metadata/${map}: a map of strings expected`);
    }
  }
}

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Structural-schema validation (the subset of OpenAPI v3 that CRDs use). */
export function validate(v: Json, s: JsonObject, path: string, errors: string[]): void {
  const at = path || '/';
  if (v === null) {
    if (s.nullable !== true) errors.push(`${at}: null is not allowed`);
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeName(v) !== 'integer' && typeof v !== 'string')
      errors.push(`${at}: an integer or a string expected`);
  } else if (Array.isArray(s.anyOf)) {
    const ok = (s.anyOf as JsonObject[]).some((alt) => {
      const e: string[] = [];
      validate(v, alt, path, e);
      return e.length === 0;
    });
    if (!ok) errors.push(`${at}: matches none of anyOf`);
  }
  const t = s.type as string | undefined;
  const actual = typeName(v);
  if (t && !(t === actual || (t === 'number' && actual === 'integer'))) {
    errors.push(`${at}: ${t} expected, found ${actual}`);
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === v)) {
    errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) {
      errors.push(`${at}: ${JSON.stringify(v)} does not match ${s.pattern}`);
    }
    if (typeof s.minLength === 'number' && v.length < s.minLength)
      errors.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && v.length > s.maxLength)
      errors.push(`${at}: longer than ${s.maxLength}`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${at}: ${v} is below ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${at}: ${v} is above ${s.maximum}`);
    if (s.format === 'int32' && (v < -(2 ** 31) || v >= 2 ** 31)) errors.push(`${at}: ${v} is not an int32`);
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems)
      errors.push(`${at}: fewer than ${s.minItems} items`);
    if (isObject(s.items)) {
      for (const [i, x] of v.entries()) validate(x, s.items, `${path}/${i}`, errors);
    }
  }
  if (isObject(v)) {
    for (const r of (s.required as string[] | undefined) ?? []) {
      if (v[r] === undefined) errors.push(`${at}: required field ${r} is missing`);
    }
    if (s['x-kubernetes-preserve-unknown-fields'] === true && !s.properties) return;
    const props = isObject(s.properties) ? s.properties : {};
    for (const [k, x] of Object.entries(v)) {
      const sub = props[k];
      if (isObject(sub)) validate(x, sub, `${path}/${k}`, errors);
      else if (k in props)
        continue; // declared elsewhere (metadata)
      else if (isObject(s.additionalProperties)) validate(x, s.additionalProperties, `${path}/${k}`, errors);
      else if (s.additionalProperties !== true && s['x-kubernetes-preserve-unknown-fields'] !== true) {
        errors.push(`${path}/${k}: unknown field`);
      }
    }
  }
}
