/**
 * What one publishing change costs on an installation with 1,000 tools: a grant edit, a
 * server setting and a tool's risk pin, each through the real tRPC router as an admin,
 * timed end to end (the mutation, the snapshot compiled, stored in Postgres, written to
 * Redis and announced) until a gateway can read the new version. Goal: 100 ms each.
 *
 *   node --import tsx bench/publish-cost.ts     (env: BENCH_TOOLS=1000 BENCH_RUNS=10)
 *
 * Also prints the CPU spent per change by this process (process.cpuUsage) and by the
 * Postgres backends serving its database (from /proc, 10 ms ticks, so averaged over the
 * runs), which the shared machine's load moves far less than the wall clock. Needs the
 * local Postgres and Redis; creates and drops its own database.
 */
import { startApiHarness } from "@portcullis/api/testing/harness";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { readRedisSnapshotVersion } from "@portcullis/queues/snapshot-protocol";
import { seedLargeInstallation } from "@portcullis/testkit/large-installation";
import { cpuSecondsOf } from "./lib/proc-cpu";
import { fmt, percentile } from "./lib/stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const GOAL_MS = 100;
const tools = Number(process.env.BENCH_TOOLS ?? 1_000);
const size = {
  servers: Math.max(1, Math.round(tools / 50)),
  tools,
  teams: 10,
  agents: 50,
  people: 1_000,
  auditEvents: 0,
  approvals: 0,
};

// A definition of the size real tools have (a few arguments with descriptions), so that
// compiling and encoding cost what they cost in production, not what a stub costs.
const INPUT_SCHEMA = JSON.stringify({
  type: "object",
  properties: {
    id: { type: "string", description: "The identifier of the record to act on." },
    query: { type: "string", description: "A search expression; in the upstream query syntax." },
    limit: { type: "integer", minimum: 1, maximum: 500, description: "How many results to return at most." },
    fields: { type: "array", items: { type: "string" }, description: "Which fields to include." },
    dryRun: { type: "boolean", description: "Validate only, change nothing." },
  },
  required: ["id"],
  additionalProperties: false,
});

const h = await startApiHarness("bench_publish_cost");
try {
  await seedLargeInstallation(h.database.db, h.orgId, size);
  await h.database.db.$executeRawUnsafe(
    `UPDATE tools SET input_schema = '${INPUT_SCHEMA}'::jsonb,
                      annotations = '{"readOnlyHint":false,"openWorldHint":true}'::jsonb`,
  );
  await h.database.db.$executeRawUnsafe("ANALYZE");
  h.beginTest();
  const admin = await h.as("admin");
  const names = h.names();

  let flip = 0;
  const cases: Array<[string, () => Promise<unknown>]> = [
    [
      "grants.set (a team's grant, reason edited)",
      () =>
        admin.grants.set({
          subject: { type: "team", id: "big_team_3" },
          serverId: `big_srv_${3 % size.servers}`,
          toolPattern: "*",
          effect: "allow",
          reason: `edited ${flip++}`,
        }),
    ],
    [
      "servers.update (timeout)",
      () => admin.servers.update({ id: "big_srv_1", timeoutMs: 20_000 + (flip++ % 2) * 1_000 }),
    ],
    [
      "tools.setRisk (pin a tool's risk)",
      () => admin.tools.setRisk({ id: "big_tool_1_7", risk: flip++ % 2 === 0 ? "destructive" : "read" }),
    ],
    // The publish alone (what `portcullis snapshot publish` does): the rest of each row
    // above is the mutation itself (authorization, the change, its audit entry).
    [
      "publish only (after a raw grant edit)",
      async () => {
        await h.database.db.$executeRawUnsafe(
          `UPDATE grants SET reason = 'raw ${flip++}' WHERE id = (SELECT min(id) FROM grants)`,
        );
        return publishSnapshot(h.database.db, h.redis, names, { secretKey: h.secretKey });
      },
    ],
  ];

  // The backends of this database only (other sessions share the server); the pool keeps them.
  const backends = async () =>
    (
      await h.database.db.$queryRaw<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity WHERE datname = current_database()`
    ).map((r) => r.pid);
  const rows: string[][] = [];
  for (const [name, run] of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let pgBefore = new Map<number, number>();
    for (let i = 0; i < RUNS + 1; i++) {
      if (i === 1) {
        pgBefore = new Map((await backends()).map((pid) => [pid, cpuSecondsOf(pid)]));
      }
      const before = await readRedisSnapshotVersion(h.redis, names);
      const c = process.cpuUsage();
      const t = performance.now();
      await run();
      const ms = performance.now() - t;
      const used = process.cpuUsage(c);
      const after = await readRedisSnapshotVersion(h.redis, names);
      if (after === null || after <= (before ?? 0)) throw new Error(`${name}: no new snapshot in Redis`);
      // The first run warms plans and caches (as any long-lived console process has).
      if (i > 0) {
        times.push(ms);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    // Per backend, and only those still there (a pooled connection may close meanwhile).
    let pgSeconds = 0;
    for (const [pid, before] of pgBefore) {
      const after = cpuSecondsOf(pid);
      if (after > 0) pgSeconds += after - before;
    }
    const pgMs = (pgSeconds * 1000) / RUNS;
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    rows.push([
      name,
      fmt(percentile(times, 50), 1),
      fmt(times.at(-1)!, 1),
      fmt(percentile(cpu, 50), 1),
      fmt(pgMs, 1),
    ]);
  }
  printTable(
    ["change (end to end, until in Redis)", "p50 ms", "max ms", "node CPU p50 ms", "Postgres CPU ms"],
    rows,
  );
  const over = rows.filter((r) => Number(r[1]) > GOAL_MS);
  console.log(
    over.length === 0
      ? `\nevery change under ${GOAL_MS} ms at p50`
      : `\nover ${GOAL_MS} ms at p50: ${over.map((r) => r[0]).join("; ")}`,
  );
} finally {
  await h.close();
}
process.exit(0);

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(
    `\npublishing changes: ${size.servers} servers, ${size.tools} tools, ${size.agents} agents, ${size.people} people (${RUNS} runs after a warm-up)\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}
