import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";

// kustomize itself cannot be installed here, so this renders a kustomization the way
// `kustomize build` does for exactly the features our manifests use — resources (files and
// directories), namespace, labels (metadata only), images, strategic-merge patches and
// secretGenerator with `behavior: replace` and no name hash — and refuses any other field,
// so that a manifest using more than this fails the test instead of being half-rendered.

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ path: string }>;
  secretGenerator?: Array<{
    name: string;
    behavior?: "create" | "replace";
    envs?: string[];
    options?: { disableNameSuffixHash?: boolean };
  }>;
}

const SUPPORTED = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "resources",
  "labels",
  "images",
  "patches",
  "secretGenerator",
]);
/** Kinds without a namespace (kustomize leaves them alone when setting one). */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
]);

export function readYamlObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

/** `kustomize build <dir>` for the supported subset. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const k = readYamlObjects(join(dir, "kustomization.yaml"))[0] as unknown as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0)
    throw new Error(`${dir}: kustomize-lite does not render ${unsupported.join(", ")}`);
  let objects: K8sObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = join(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? kustomizeBuild(path) : readYamlObjects(path)));
  }
  for (const gen of k.secretGenerator ?? []) {
    if (gen.options?.disableNameSuffixHash !== true)
      throw new Error(
        `${dir}: secretGenerator ${gen.name} needs disableNameSuffixHash (name references are not rewritten)`,
      );
    const data: Record<string, string> = {};
    for (const envFile of gen.envs ?? []) {
      for (const line of readFileSync(join(dir, envFile), "utf8").split("\n")) {
        const trimmed = line.trim();
        if (trimmed === "" || trimmed.startsWith("#")) continue;
        const eq = trimmed.indexOf("=");
        data[trimmed.slice(0, eq)] = Buffer.from(trimmed.slice(eq + 1)).toString("base64");
      }
    }
    const secret: K8sObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: gen.name },
      type: "Opaque",
      data,
    };
    const existing = objects.findIndex((o) => o.kind === "Secret" && o.metadata.name === gen.name);
    if (gen.behavior === "replace") {
      if (existing < 0)
        throw new Error(`${dir}: secretGenerator replaces ${gen.name}, which no resource defines`);
      objects[existing] = secret;
    } else {
      if (existing >= 0) throw new Error(`${dir}: secretGenerator creates ${gen.name}, which already exists`);
      objects.push(secret);
    }
  }
  for (const patch of k.patches ?? []) {
    for (const p of readYamlObjects(join(dir, patch.path))) {
      const target = objects.find((o) => o.kind === p.kind && o.metadata.name === p.metadata.name);
      if (!target)
        throw new Error(
          `${dir}: patch ${patch.path} targets ${p.kind}/${p.metadata.name}, which does not exist`,
        );
      objects = objects.map((o) => (o === target ? (strategicMerge(o, p) as K8sObject) : o));
    }
  }
  for (const set of k.labels ?? []) {
    if (set.includeSelectors || set.includeTemplates)
      throw new Error(`${dir}: labels with selectors/templates are not rendered`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...set.pairs };
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const image of k.images ?? []) {
    for (const container of containersOf(objects)) {
      const [name, tag] = splitImage(String(container.image));
      if (name !== image.name) continue;
      container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? "latest"}`;
    }
  }
  return objects;
}

/** Every container of every pod template (Deployments, Jobs…). */
export function containersOf(objects: K8sObject[]): Array<Record<string, unknown>> {
  return objects.flatMap((o) => {
    const spec = (o.spec as { template?: { spec?: { containers?: Array<Record<string, unknown>> } } }) ?? {};
    return spec.template?.spec?.containers ?? [];
  });
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(":");
  return at > image.lastIndexOf("/") ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

/** Strategic merge as kustomize applies it to our patches: maps merge, named lists merge by name. */
function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (xs: unknown[]) => xs.every((x) => x !== null && typeof x === "object" && "name" in x);
    if (!named(base) || !named(patch)) return patch;
    const out = [...base] as Array<{ name: string }>;
    for (const item of patch as Array<{ name: string }>) {
      const i = out.findIndex((x) => x.name === item.name);
      if (i >= 0) out[i] = strategicMerge(out[i], item) as { name: string };
      else out.push(item);
    }
    return out;
  }
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch))
      out[key] = key in base ? strategicMerge(base[key], value) : value;
    return out;
  }
  return patch;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

export function dirOf(url: string): string {
  return dirname(new URL(url).pathname);
}
