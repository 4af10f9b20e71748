/** The rendered overlays of deploy/k8s and small helpers over Kubernetes objects. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type Json, type JsonObject, type KObject, kustomize, REPO } from './kustomize.ts';

export const K8S_DIR = join(REPO, 'deploy', 'k8s');
export const OVERLAYS_DIR = join(K8S_DIR, 'overlays');

/** Capstream's long-running services, as components (the Deployments' app.kubernetes.io/component). */
export const COMPONENTS = ['ingest', 'parser', 'geo', 'api', 'dashboard'] as const;

/** Every overlay in deploy/k8s/overlays: each one is rendered and checked. */
export function overlayNames(): string[] {
  return readdirSync(OVERLAYS_DIR)
    .filter((d) => statSync(join(OVERLAYS_DIR, d)).isDirectory())
    .sort();
}

const cache = new Map<string, KObject[]>();

/** The overlay's objects (rendered once per process; callers must not change them). */
export function rendered(overlay: string): KObject[] {
  let objs = cache.get(overlay);
  if (!objs) {
    objs = kustomize(join(OVERLAYS_DIR, overlay));
    cache.set(overlay, objs);
  }
  return objs;
}

export function ofKind(objs: KObject[], kind: string): KObject[] {
  return objs.filter((o) => o.kind === kind);
}

export function find(objs: KObject[], kind: string, name: string): KObject | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name === name);
}

export function obj(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}

export function arr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** A workload's pod template (Deployment, StatefulSet, DaemonSet, Job), if it has one. */
export function podTemplate(o: KObject): { labels: Record<string, string>; spec: JsonObject } | undefined {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) return undefined;
  const t = obj(obj(o.spec).template);
  return { labels: obj(obj(t.metadata).labels) as Record<string, string>, spec: obj(t.spec) };
}

export function containers(spec: JsonObject): JsonObject[] {
  return [...arr(spec.initContainers), ...arr(spec.containers)].filter(isObject);
}

/** Every pod template of the overlay with where it comes from. */
export function podTemplates(
  objs: KObject[],
): { owner: KObject; labels: Record<string, string>; spec: JsonObject }[] {
  return objs.flatMap((o) => {
    const t = podTemplate(o);
    return t ? [{ owner: o, ...t }] : [];
  });
}

/** Capstream's own workloads (the pods that run the capstream image). */
export function capstreamWorkloads(objs: KObject[]): KObject[] {
  return objs.filter((o) => podTemplate(o)?.labels['app.kubernetes.io/name'] === 'capstream');
}

/** The component label of a workload or other object. */
export function componentOf(o: KObject): string {
  return str(obj(o.metadata.labels)['app.kubernetes.io/component']);
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  const s = obj(selector) as unknown as LabelSelector;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A Service's plain selector (map form) as a LabelSelector. */
export function serviceSelector(svc: KObject): JsonObject {
  return { matchLabels: obj(obj(svc.spec).selector) };
}

/** The container port a port reference (number or name) means, in one container. */
export function resolvePort(container: JsonObject, ref: Json | undefined): number | undefined {
  for (const p of arr(container.ports).filter(isObject)) {
    if (typeof ref === 'number' && p.containerPort === ref) return ref;
    if (typeof ref === 'string' && p.name === ref) return p.containerPort as number;
  }
  return undefined;
}

/** Quantities such as 500m, 2, 1Gi, 512Mi as numbers (cores, bytes). */
export function quantity(q: Json | undefined): number {
  const s = String(q);
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  const n = Number(m[1]);
  const unit: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return n * (m[2] ? unit[m[2]] : 1);
}

/** Env entries of a container by name. */
export function envOf(c: JsonObject): Map<string, JsonObject> {
  return new Map(
    arr(c.env)
      .filter(isObject)
      .map((e) => [str(e.name), e]),
  );
}
