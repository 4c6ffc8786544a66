import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startApiHarness } from "./testing/harness";
import { type ScaleSeed, seedScale } from "./testing/seed-scale";

// The console's pages stay fast on a large organization because every list is a bounded
// page over an index. Timings are very generous (the test machine's cores are shared and
// often saturated): the bound catches a page that loads everything or queries per row,
// not a few slow milliseconds. `pnpm -F @portcullis/api bench` prints the actual numbers.
const BOUND_MS = 5_000;
let h: ApiHarness;
let seeded: ScaleSeed;

beforeAll(async () => {
  h = await startApiHarness("scale");
  seeded = await seedScale(h.database.db, h.orgId, { servers: 10, tools: 1_000, auditRows: 10_000 });
}, 180_000);
afterAll(async () => h?.close());

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  await call();
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

describe("1,000 tools and 10,000 audit rows", () => {
  it("serves tool pages of 50 at any depth", async () => {
    const admin = await h.as("admin");
    const first = await timed(() => admin.tools.list());
    expect(first.value.items).toHaveLength(50);
    expect(first.value.total).toBe(1_000);
    expect(first.ms).toBeLessThan(BOUND_MS);
    let cursor = first.value.nextCursor!;
    for (let i = 0; i < 18; i++) cursor = (await admin.tools.list({ cursor })).nextCursor!;
    const last = await timed(() => admin.tools.list({ cursor }));
    expect(last.value.items).toHaveLength(50);
    expect(last.value.nextCursor).toBeNull();
    expect(last.ms).toBeLessThan(BOUND_MS);
  });

  it("pages the admin audit log and previews an agent that sees every tool", async () => {
    const auditor = await h.as("auditor");
    const audit = await timed(() => auditor.history.adminAudit());
    expect(audit.value.items).toHaveLength(50);
    expect(audit.ms).toBeLessThan(BOUND_MS);
    const filtered = await timed(() => auditor.history.adminAudit({ action: "grant.create", limit: 200 }));
    expect(filtered.value.items).toHaveLength(200);
    expect(filtered.ms).toBeLessThan(BOUND_MS);

    const preview = await timed(() => auditor.grants.preview({ agentId: seeded.agentId }));
    expect(preview.value).toHaveLength(1_000);
    expect(preview.value.filter((t) => t.effect === "approve")).toHaveLength(100);
    expect(preview.ms).toBeLessThan(BOUND_MS);
  });
});
