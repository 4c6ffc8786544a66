import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The dashboard must chart metrics the processes really export: every name its queries use
// is declared in the gateway's or the worker's metrics module.
const ROOT = join(import.meta.dirname, "../..");
const dashboard = JSON.parse(
  readFileSync(join(ROOT, "deploy/grafana/portcullis-dashboard.json"), "utf8"),
) as {
  uid: string;
  templating: { list: Array<{ name: string; type: string }> };
  panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
};
const declared = ["apps/gateway/src/observability/metrics.ts", "apps/worker/src/observability/metrics.ts"]
  .map((f) => readFileSync(join(ROOT, f), "utf8"))
  .join("\n");

describe("deploy/grafana/portcullis-dashboard.json", () => {
  it("queries only metrics that the gateway and the worker declare", () => {
    const used = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/portcullis_[a-z_]+/g) ?? [])),
    );
    expect(used.size).toBeGreaterThanOrEqual(12);
    for (const name of used) {
      const base = name.replace(/_(bucket|count|sum)$/, "");
      expect(declared, name).toContain(`"${base}"`);
    }
  });

  it("has unique panel ids, a Prometheus datasource variable, and every panel uses it", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource" }),
    );
    // Grafana's variable reference, literally (not a template string).
    const variable = ["$", "{datasource}"].join("");
    for (const p of dashboard.panels) expect(p.datasource.uid, p.title).toBe(variable);
  });
});
