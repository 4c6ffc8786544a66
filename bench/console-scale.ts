/**
 * The console at the scale of a real installation: 100 servers, 5,000 tools, 200 agents in
 * 40 teams, 10,000 people, 2,000 approvals and 1,000,000 audit events in a fresh database,
 * then every list procedure the console's pages call, timed through the real tRPC router
 * (input and output validation included) as an admin. Goal: each under 300 ms.
 *
 *   pnpm tsx bench/console-scale.ts     (env: BENCH_AUDIT_EVENTS=1000000 BENCH_RUNS=5)
 *   BENCH_ONLY=grants.preview pnpm tsx bench/console-scale.ts   (only the cases whose name contains it)
 *
 * Needs the local Postgres and Redis; creates and drops its own database.
 */
import { startApiHarness } from "@portcullis/api/testing/harness";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { foldAuditRollups } from "@portcullis/control/audit/rollups/fold-audit-rollups";
import { REAL_INSTALLATION, seedLargeInstallation } from "@portcullis/testkit/large-installation";
import { cpuSecondsOfAll } from "./lib/proc-cpu";
import { fmt, percentile } from "./lib/stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const GOAL_MS = 300;
const size = { ...REAL_INSTALLATION, auditEvents: Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000) };
const startedAt = performance.now();
const log = (m: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${m}\n`);

const h = await startApiHarness("bench_console_scale");
try {
  log("seeding the installation");
  await seedLargeInstallation(h.database.db, h.orgId, size);
  // People as principals: each person in two teams, and every tenth with a grant of their own.
  await h.database.db.$executeRawUnsafe(`
    INSERT INTO team_members (id, team_id, user_id)
    SELECT 'big_tm_' || g || '_' || k, 'big_team_' || ((g + k * 7) % ${size.teams}), 'big_usr_' || g
      FROM generate_series(0, ${size.people - 1}) AS g, generate_series(0, 1) AS k`);
  await h.database.db.$executeRawUnsafe(`
    INSERT INTO grants (id, org_id, user_id, server_id, tool_pattern, effect, created_by, updated_at)
    SELECT 'big_ugrant_' || g, '${h.orgId}', 'big_usr_' || g, 'big_srv_' || (g % ${size.servers}),
           'get_*', 'allow'::"GrantEffect", 'seed', now()
      FROM generate_series(0, ${size.people - 1}, 10) AS g`);
  await h.database.db.$executeRawUnsafe("ANALYZE");
  log("seeded");
  const admin = await h.as("admin");
  const team = { type: "team" as const, id: "big_team_3" };
  const agent = { type: "agent" as const, id: "big_agt_3" };

  const cases: Array<[string, () => Promise<unknown>]> = [
    ["servers.page (first 50 by name)", () => admin.servers.page()],
    ["servers.page (by last sync, desc)", () => admin.servers.page({ sort: "lastSyncAt", order: "desc" })],
    ["servers.page (search)", () => admin.servers.page({ search: "srv-04" })],
    ["tools.list (first 50)", () => admin.tools.list()],
    ["tools.list (search)", () => admin.tools.list({ search: "delete_tool-004" })],
    ["tools.list (one server)", () => admin.tools.list({ serverId: "big_srv_42" })],
    ["agents.page (first 50)", () => admin.agents.page()],
    ["agents.page (by team, page 4)", () => admin.agents.page({ sort: "team", offset: 150 })],
    ["members.page (first 50)", () => admin.members.page()],
    ["members.page (last page of 10,000)", () => admin.members.page({ offset: 9_980 })],
    ["members.page (search)", () => admin.members.page({ search: "person-0999" })],
    [
      "members.page (role auditor, by joined)",
      () => admin.members.page({ role: "auditor", sort: "joinedAt" }),
    ],
    ["review.list (first 50)", () => admin.review.list({ limit: 50 })],
    ["approvals.list (pending)", () => admin.approvals.list({ status: "pending", scope: "all" })],
    ["approvals.list (decided)", () => admin.approvals.list({ status: "decided", scope: "all" })],
    ["audit.search (newest 50 of 1M)", () => admin.audit.search({})],
    ["audit.search (denied)", () => admin.audit.search({ decision: "denied" })],
    ["audit.search (one agent)", () => admin.audit.search({ agentId: "big_agt_7" })],
    ["grants.access.byServer (team, 5,000 tools)", () => admin.grants.access.byServer({ principal: team })],
    [
      "grants.access.byServer (agent, destructive)",
      () => admin.grants.access.byServer({ principal: agent, filter: { risk: ["destructive"] } }),
    ],
    ["grants.access.byTool (agent, first 50)", () => admin.grants.access.byTool({ principal: agent })],
    [
      "grants.access.byTool (delete_*, approve)",
      () =>
        admin.grants.access.byTool({
          principal: agent,
          filter: { toolPattern: "delete_*", effect: ["approve"] },
        }),
    ],
    [
      "grants.access.byPrincipal (one server, 240)",
      () => admin.grants.access.byPrincipal({ serverId: "big_srv_31" }),
    ],
    [
      "grants.bulk.preview (approve destructive)",
      () =>
        admin.grants.bulk.preview({
          principal: team,
          filter: { risk: ["destructive"], serverId: "big_srv_31" },
          effect: "approve",
        }),
    ],
    ["grants.preview (what can agent-003 see)", () => admin.grants.preview({ agentId: "big_agt_3" })],
    [
      // The organization compiled afresh each run: a grant is rewritten first (as after an edit).
      "grants.preview (after a grant change: compiles)",
      async () => {
        await h.database.db.$executeRawUnsafe(
          `UPDATE grants SET reason = NULL WHERE id = (SELECT min(id) FROM grants WHERE org_id = '${h.orgId}')`,
        );
        return admin.grants.preview({ agentId: "big_agt_3" });
      },
    ],
    [
      "grants.previewPerson (a person in 2 teams)",
      () => admin.grants.previewPerson({ userId: "big_usr_30" }),
    ],
    [
      "grants.access.byServer (person, 5,000 tools)",
      () => admin.grants.access.byServer({ principal: { type: "user", id: "big_usr_30" } }),
    ],
    ['search.everything ("tool-004")', () => admin.search.everything({ query: "tool-004" })],
    ['search.everything ("person-0042")', () => admin.search.everything({ query: "person-0042" })],
  ];

  const only = process.env.BENCH_ONLY;
  const selected = (name: string) => only === undefined || name.includes(only);
  const rows: string[][] = [];
  // Postgres CPU of a case: every backend of the bench's database, from /proc (wall clock
  // on a shared machine mostly measures the other load).
  const backends = async () =>
    (
      await h.database.db.$queryRaw<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity WHERE datname = current_database()`
    ).map((r) => r.pid);
  const cpuRows: string[][] = [];
  const timeCase = async (name: string, run: () => Promise<unknown>, cpu = false) => {
    const times: number[] = [];
    const cpus: number[] = [];
    let result: unknown;
    for (let i = 0; i < RUNS + 1; i++) {
      const pids = cpu ? await backends() : [];
      const c = cpuSecondsOfAll(pids);
      const t = performance.now();
      result = await run();
      if (i > 0) times.push(performance.now() - t); // the first run warms caches and plans
      // Connections the pool opened meanwhile count from zero (parallel workers, gone by now, not at all).
      const opened = cpu ? (await backends()).filter((pid) => !pids.includes(pid)) : [];
      if (i > 0 && cpu) cpus.push((cpuSecondsOfAll(pids) - c + cpuSecondsOfAll(opened)) * 1000);
    }
    times.sort((a, b) => a - b);
    rows.push([name, String(countOf(result)), fmt(percentile(times, 50), 1), fmt(times.at(-1)!, 1)]);
    log(`${name}: ${fmt(percentile(times, 50), 1)} ms`);
    if (cpu)
      cpuRows.push([
        name,
        fmt(
          percentile(
            cpus.sort((a, b) => a - b),
            50,
          ),
          0,
        ),
      ]);
  };

  // The 30-day dashboard (issue 12, 6a): from the events (rollups not built yet), then
  // from the rollups after the worker's first fold, with 2,000 newer events not folded yet.
  const last30Days = () => ({ from: new Date(Date.now() - 30 * 86_400_000), to: new Date() });
  const dashboardCases = [
    "audit.dashboard (30 days, from events)",
    "audit.dashboard (30 days, rollups + tail)",
    "audit.dashboard (30 days, one portal, rollups)",
  ];
  if (selected(dashboardCases[0]!))
    await timeCase(dashboardCases[0]!, () => admin.audit.dashboard(last30Days()), true);
  if (dashboardCases.slice(1).some(selected)) {
    const t = performance.now();
    const folded = await foldAuditRollups(h.database.db);
    const foldMs = performance.now() - t;
    rows.push([
      `rollup fold (first, ${folded.events} events)`,
      String(folded.events),
      fmt(foldMs, 1),
      fmt(foldMs, 1),
    ]);
    log(`rollup fold: ${folded.events} events in ${fmt(foldMs, 1)} ms`);
    await ingestAuditEvents(h.database.db, tailEvents(h.orgId, 2_000));
    const t2 = performance.now();
    const tail = await foldAuditRollups(h.database.db);
    await ingestAuditEvents(h.database.db, tailEvents(h.orgId, 2_000));
    log(`rollup fold (incremental): ${tail.events} events in ${fmt(performance.now() - t2, 1)} ms`);
    if (selected(dashboardCases[1]!))
      await timeCase(dashboardCases[1]!, () => admin.audit.dashboard(last30Days()), true);
    if (selected(dashboardCases[2]!))
      await timeCase(
        dashboardCases[2]!,
        () => admin.audit.dashboard({ ...last30Days(), portal: "ops" }),
        true,
      );
  }

  for (const [name, run] of cases.filter(([name]) => selected(name))) await timeCase(name, run);
  printTable(["procedure", "rows", "p50 ms", "max ms"], rows);
  if (cpuRows.length > 0) {
    console.log("\nPostgres CPU per call (p50, ms, 10 ms ticks):");
    for (const [name, ms] of cpuRows) console.log(`  ${name}: ${ms}`);
  }
  const over = rows.filter((r) => Number(r[2]) > GOAL_MS);
  console.log(
    over.length === 0
      ? `\nevery list under ${GOAL_MS} ms at p50`
      : `\nover ${GOAL_MS} ms at p50: ${over.map((r) => r[0]).join("; ")}`,
  );
} finally {
  await h.close();
}
process.exit(0);

/** Calls of the last minutes, chained as the worker stores them (the open tail of the rollups). */
function tailEvents(orgId: string, count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(Date.now() - (count - i) * 100).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: `big_agt_${i % 200}`,
    agentName: `agent-${i % 200}`,
    teamId: null,
    userId: null,
    serverId: `big_srv_${i % 100}`,
    serverName: `srv-${i % 100}`,
    toolName: `srv-${String(i % 100).padStart(3, "0")}__get_tool-0000`,
    decision: i % 20 === 0 ? ("denied" as const) : ("allowed" as const),
    reason: i % 20 === 0 ? "no grant" : null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 1 + (i % 300),
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
    ...(i % 3 === 0 && { portal: "ops" }),
  }));
}

function countOf(result: unknown): number | string {
  if (Array.isArray(result)) return result.length;
  if (result && typeof result === "object" && "items" in result) return (result.items as unknown[]).length;
  if (result && typeof result === "object" && "rows" in result) return (result.rows as unknown[]).length;
  if (result && typeof result === "object" && "grants" in result) return (result.grants as unknown[]).length;
  if (result && typeof result === "object" && "tools" in result) return (result.tools as unknown[]).length;
  return "";
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(
    `\nconsole lists: ${size.servers} servers, ${size.tools} tools, ${size.agents} agents, ${size.people} people, ${size.auditEvents} audit events (${RUNS} runs after a warm-up)\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}
