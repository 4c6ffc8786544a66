import { performance } from "node:perf_hooks";
import { type ApiHarness, startApiHarness } from "../testing/harness";
import { seedScale } from "../testing/seed-scale";

/**
 * How the console's heaviest procedures behave on a large organization: 1,000 tools on
 * 10 servers and 10,000 admin audit rows. Run: `pnpm -F @portcullis/api bench`
 * (needs the local Postgres and Redis; creates and drops its own database).
 */
const ROUNDS = 20;

async function measure(label: string, call: () => Promise<unknown>): Promise<void> {
  await call(); // warm-up (connections, Prisma's query plans)
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`${label.padEnd(44)} p50 ${p(0.5).padStart(7)} ms   p95 ${p(0.95).padStart(7)} ms`);
}

let h: ApiHarness | undefined;
try {
  h = await startApiHarness("bench");
  const seeded = await seedScale(h.database.db, h.orgId, { servers: 10, tools: 1_000, auditRows: 10_000 });
  const admin = await h.as("admin");

  let deepToolCursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    deepToolCursor = (await admin.tools.list({ cursor: deepToolCursor })).nextCursor ?? undefined;
  }
  let deepAuditCursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    deepAuditCursor = (await admin.history.adminAudit({ cursor: deepAuditCursor })).nextCursor ?? undefined;
  }

  console.log("1,000 tools on 10 servers, 10,000 admin audit rows, 20 grants\n");
  await measure("servers.list", () => admin.servers.list());
  await measure("tools.list (first page of 50)", () => admin.tools.list());
  await measure("tools.list (page 11)", () => admin.tools.list({ cursor: deepToolCursor }));
  await measure("tools.list (one server)", () => admin.tools.list({ serverId: seeded.serverIds[3]! }));
  await measure("tools.list (search)", () => admin.tools.list({ search: "tool-004" }));
  await measure("grants.list", () => admin.grants.list());
  await measure("grants.preview (sees 1,000 tools)", () => admin.grants.preview({ agentId: seeded.agentId }));
  await measure("history.adminAudit (first page of 50)", () => admin.history.adminAudit());
  await measure("history.adminAudit (page 101)", () => admin.history.adminAudit({ cursor: deepAuditCursor }));
  await measure("history.adminAudit (filtered by action)", () =>
    admin.history.adminAudit({ action: "grant.create" }),
  );
  await measure("history.snapshots", () => admin.history.snapshots());
  await measure("overview.get", () => admin.overview.get());
  let flip = false;
  await measure("grants.set (writes, audits, publishes a snapshot)", () => {
    flip = !flip;
    return admin.grants.set({
      subject: { type: "team", id: seeded.teamId },
      serverId: seeded.serverIds[0]!,
      toolPattern: "tool-0001",
      effect: flip ? "deny" : "allow",
    });
  });
} finally {
  await h?.close();
}
process.exit(0);
