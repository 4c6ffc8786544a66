import { join } from "node:path";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import { containersOf, type K8sObject, kustomizeBuild } from "./kustomize-lite";

const KUBERNETES = join(import.meta.dirname, "../kubernetes");

/** The JSON schema model for each kind we ship (kubernetes-models, Kubernetes 1.27). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Namespace": Namespace,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

type Pod = {
  metadata?: { labels?: Record<string, string> };
  spec: {
    securityContext?: { runAsNonRoot?: boolean };
    containers: Array<{
      name: string;
      image: string;
      args?: string[];
      ports?: Array<{ name: string; containerPort: number }>;
      readinessProbe?: { httpGet?: { path: string; port: string } };
      livenessProbe?: { httpGet?: { path: string; port: string } };
      envFrom?: Array<{ configMapRef?: { name: string } }>;
      env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
      volumeMounts?: Array<{ name: string }>;
      securityContext?: { allowPrivilegeEscalation?: boolean };
    }>;
    volumes?: Array<{ name: string }>;
  };
};

const find = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o as K8sObject & { spec: Record<string, unknown> };
};
const podOf = (o: K8sObject) => (o.spec as { template: Pod }).template;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each([
  { name: "base", dir: join(KUBERNETES, "base") },
  { name: "example overlay", dir: join(KUBERNETES, "overlays/example") },
])("Kubernetes manifests: $name", ({ dir }) => {
  const objects = kustomizeBuild(dir);

  it("every object validates against the Kubernetes JSON schema of its kind", () => {
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model!(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it("runs every process as non-root, with probes on ports its container declares", () => {
    for (const kind of ["Deployment", "Job"]) {
      for (const o of objects.filter((x) => x.kind === kind)) {
        const pod = podOf(o);
        expect(pod.spec.securityContext?.runAsNonRoot, o.metadata.name).toBe(true);
        for (const c of pod.spec.containers) {
          expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
          const ports = new Set((c.ports ?? []).map((p) => p.name));
          for (const probe of [c.readinessProbe, c.livenessProbe]) {
            if (probe?.httpGet) expect(ports.has(probe.httpGet.port), `${c.name} probe port`).toBe(true);
          }
          const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
          for (const m of c.volumeMounts ?? [])
            expect(volumes.has(m.name), `${c.name} mounts ${m.name}`).toBe(true);
        }
      }
    }
  });

  it("the gateway and the worker are probed on /readyz (readiness) and /healthz (liveness)", () => {
    for (const name of ["portcullis-gateway", "portcullis-worker"]) {
      const [c] = podOf(find(objects, "Deployment", name)).spec.containers;
      expect(c!.readinessProbe?.httpGet?.path).toBe("/readyz");
      expect(c!.livenessProbe?.httpGet?.path).toBe("/healthz");
    }
  });

  it("the HPA and the PDB govern the gateway Deployment", () => {
    const gateway = find(objects, "Deployment", "portcullis-gateway");
    const hpa = find(objects, "HorizontalPodAutoscaler", "portcullis-gateway");
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: gateway.metadata.name,
    });
    expect(Number(hpa.spec.minReplicas)).toBeGreaterThanOrEqual(2);
    const pdb = find(objects, "PodDisruptionBudget", "portcullis-gateway");
    const selector = (pdb.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
    expect(matches(selector, podOf(gateway).metadata?.labels)).toBe(true);
  });

  it("every Service selects pods that expose the ports it targets", () => {
    for (const svc of objects.filter((o) => o.kind === "Service")) {
      const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ targetPort: string }> };
      const pods = objects.filter(
        (o) => o.kind === "Deployment" && matches(spec.selector, podOf(o).metadata?.labels),
      );
      expect(pods.length, `Service ${svc.metadata.name} selects nothing`).toBe(1);
      const ports = new Set(
        podOf(pods[0]!).spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)),
      );
      for (const p of spec.ports)
        expect(ports.has(p.targetPort), `${svc.metadata.name} → ${p.targetPort}`).toBe(true);
    }
  });

  it("the ServiceMonitor scrapes /metrics of the gateway and worker Services", () => {
    const sm = find(objects, "ServiceMonitor", "portcullis");
    const spec = sm.spec as {
      selector: { matchExpressions: Array<{ key: string; values: string[] }> };
      endpoints: Array<{ port: string; path: string }>;
    };
    const [expr] = spec.selector.matchExpressions;
    const selected = objects.filter(
      (o) => o.kind === "Service" && expr!.values.includes(o.metadata.labels?.[expr!.key] ?? ""),
    );
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(["portcullis-gateway", "portcullis-worker"]);
    for (const svc of selected) {
      const ports = (svc.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name);
      for (const e of spec.endpoints) expect(ports).toContain(e.port);
    }
    expect(spec.endpoints.map((e) => e.path)).toEqual(["/metrics"]);
  });

  it("every ConfigMap and Secret key a container reads exists", () => {
    const config = find(objects, "ConfigMap", "portcullis-config");
    const secret = find(objects, "Secret", "portcullis-secrets");
    const secretKeys = new Set([
      ...Object.keys((secret.stringData as Record<string, string>) ?? {}),
      ...Object.keys((secret.data as Record<string, string>) ?? {}),
    ]);
    for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "Job")) {
      for (const c of podOf(o).spec.containers) {
        for (const from of c.envFrom ?? []) expect(from.configMapRef?.name).toBe(config.metadata.name);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          expect(ref.name).toBe(secret.metadata.name);
          expect(secretKeys.has(ref.key), `${c.name} reads ${ref.key}`).toBe(true);
        }
      }
    }
  });

  it("the migration Job runs `portcullis migrate` from the CLI image", () => {
    const job = find(objects, "Job", "portcullis-migrate");
    const [c] = podOf(job).spec.containers;
    expect(c!.image).toMatch(/portcullis\/cli(:|$)/);
    expect(c!.args).toEqual(["migrate"]);
  });
});

describe("the example overlay", () => {
  const objects = kustomizeBuild(join(KUBERNETES, "overlays/example"));

  it("puts everything in its namespace, on pinned images from its registry", () => {
    for (const o of objects.filter((x) => x.kind !== "Namespace"))
      expect(o.metadata.namespace).toBe("portcullis");
    for (const c of containersOf(objects))
      expect(c.image).toMatch(/^registry\.example\.com\/portcullis\/[a-z]+:0\.1\.0$/);
  });

  it("patches its host names and gateway scale over the base", () => {
    const config = find(objects, "ConfigMap", "portcullis-config").data as Record<string, string>;
    expect(config.GATEWAY_ALLOWED_HOSTS).toBe("mcp.acme.example");
    expect(config.GATEWAY_METRICS_PORT).toBe("9464"); // kept from the base
    expect(find(objects, "HorizontalPodAutoscaler", "portcullis-gateway").spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 20,
    });
    const secret = find(objects, "Secret", "portcullis-secrets");
    expect(Object.keys(secret.data as object).sort()).toEqual([
      "DATABASE_URL",
      "NEXTAUTH_SECRET",
      "OIDC_CLIENT_SECRET",
      "PORTCULLIS_SECRET_KEY",
      "REDIS_URL",
    ]);
  });
});
