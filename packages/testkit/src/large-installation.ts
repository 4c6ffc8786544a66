import type { Db } from "@portcullis/db/client";

export interface InstallationSize {
  servers: number;
  /** Spread evenly over the servers. */
  tools: number;
  teams: number;
  /** Spread evenly over the teams. */
  agents: number;
  /** Users with a `member` membership (on top of whoever the caller created). */
  people: number;
  auditEvents: number;
  approvals: number;
}

export const REAL_INSTALLATION: InstallationSize = {
  servers: 100,
  tools: 5_000,
  teams: 40,
  agents: 200,
  people: 10_000,
  auditEvents: 1_000_000,
  approvals: 2_000,
};

/**
 * Seeds a large installation into `orgId`, every table with one `INSERT … SELECT FROM
 * generate_series` (a million audit events in about a minute, not an hour of round trips).
 * Names are predictable so tests and benches can aim at them: servers `srv-007`, tools
 * `srv-007__tool-0042` (every third read, every fifth destructive, the rest write; names
 * `delete_…` on destructive ones), teams `team-03`, agents `agent-123` (team `agent % teams`),
 * people `person-01234@example.com`. Each team is allowed everything on ten servers and
 * must ask for destructive tools on them; ids carry `prefix` so two seeds never collide.
 */
export async function seedLargeInstallation(
  db: Db,
  orgId: string,
  size: InstallationSize,
  prefix = "big",
): Promise<void> {
  const perServer = Math.max(1, Math.ceil(size.tools / size.servers));
  const sql = (text: string) => db.$executeRawUnsafe(text);
  await sql(`
    INSERT INTO servers (id, org_id, name, description, transport, url, status, health, last_sync_at, updated_at)
    SELECT '${prefix}_srv_' || g, '${orgId}', 'srv-' || lpad(g::text, 3, '0'),
           'Upstream number ' || g, 'streamable_http', 'http://127.0.0.1:9/mcp/' || g,
           CASE WHEN g % 25 = 24 THEN 'disabled' ELSE 'active' END::"ServerStatus",
           (ARRAY['healthy', 'unhealthy', 'unknown'])[1 + g % 3]::"HealthStatus",
           CASE WHEN g % 4 = 0 THEN NULL ELSE now() - g * INTERVAL '1 minute' END, now()
      FROM generate_series(0, ${size.servers - 1}) AS g`);
  await sql(`
    INSERT INTO tools (id, org_id, server_id, upstream_name, exposed_name, description, input_schema,
                       risk_class, definition_hash, approved_hash, status, flags, updated_at)
    SELECT '${prefix}_tool_' || s || '_' || t, '${orgId}', '${prefix}_srv_' || s, name,
           'srv-' || lpad(s::text, 3, '0') || '__' || name, 'Tool ' || t || ' of server ' || s,
           '{"type":"object","properties":{"id":{"type":"string"}}}'::jsonb, risk::"RiskClass",
           'hash-' || s || '-' || t,
           CASE WHEN (s * ${perServer} + t) % 500 = 499 THEN 'hash-old' ELSE 'hash-' || s || '-' || t END,
           CASE WHEN (s * ${perServer} + t) % 500 = 499 THEN 'quarantined' ELSE 'active' END::"ToolStatus",
           CASE WHEN (s * ${perServer} + t) % 500 = 499 THEN ARRAY['definition_changed'] ELSE ARRAY[]::text[] END,
           now() - (s * ${perServer} + t) * INTERVAL '1 second'
      FROM generate_series(0, ${size.servers - 1}) AS s,
           generate_series(0, ${perServer - 1}) AS t,
           LATERAL (SELECT CASE WHEN t % 3 = 0 THEN 'read' WHEN t % 5 = 0 THEN 'destructive' ELSE 'write' END AS risk) AS r,
           LATERAL (SELECT CASE risk WHEN 'read' THEN 'get_' WHEN 'destructive' THEN 'delete_' ELSE 'update_' END
                           || 'tool-' || lpad(t::text, 4, '0') AS name) AS n
     WHERE s * ${perServer} + t < ${size.tools}`);
  await sql(`
    INSERT INTO teams (id, org_id, name, updated_at)
    SELECT '${prefix}_team_' || g, '${orgId}', 'team-' || lpad(g::text, 2, '0'), now()
      FROM generate_series(0, ${size.teams - 1}) AS g`);
  await sql(`
    INSERT INTO agents (id, org_id, team_id, name, status, updated_at)
    SELECT '${prefix}_agt_' || g, '${orgId}', '${prefix}_team_' || (g % ${size.teams}), 'agent-' || lpad(g::text, 3, '0'),
           CASE WHEN g % 20 = 19 THEN 'disabled' ELSE 'active' END::"AgentStatus", now()
      FROM generate_series(0, ${size.agents - 1}) AS g`);
  await sql(`
    INSERT INTO grants (id, org_id, team_id, server_id, tool_pattern, effect, created_by, updated_at)
    SELECT '${prefix}_grant_' || t || '_' || k || '_' || p, '${orgId}', '${prefix}_team_' || t,
           '${prefix}_srv_' || ((t * 10 + k) % ${size.servers}),
           CASE p WHEN 0 THEN '*' ELSE 'delete_*' END, CASE p WHEN 0 THEN 'allow' ELSE 'approve' END::"GrantEffect",
           'seed', now()
      FROM generate_series(0, ${size.teams - 1}) AS t, generate_series(0, 9) AS k, generate_series(0, 1) AS p`);
  await sql(`
    INSERT INTO users (id, email, name, updated_at)
    SELECT '${prefix}_usr_' || g, 'person-' || lpad(g::text, 5, '0') || '@example.com', 'Person ' || g, now()
      FROM generate_series(0, ${size.people - 1}) AS g`);
  await sql(`
    INSERT INTO memberships (id, org_id, user_id, role, created_at, updated_at)
    SELECT '${prefix}_mem_' || g, '${orgId}', '${prefix}_usr_' || g,
           (ARRAY['member', 'member', 'member', 'auditor', 'approver'])[1 + g % 5]::"Role",
           now() - g * INTERVAL '1 hour', now()
      FROM generate_series(0, ${size.people - 1}) AS g`);
  await sql(`
    INSERT INTO approval_requests (id, org_id, agent_id, team_id, server_id, tool_name, arguments, arguments_hash,
                                   risk_class, reason, status, request_id, requested_at, expires_at, decided_at)
    SELECT '${prefix}_apr_' || g, '${orgId}', '${prefix}_agt_' || (g % ${size.agents}),
           '${prefix}_team_' || ((g % ${size.agents}) % ${size.teams}), '${prefix}_srv_' || (g % ${size.servers}),
           'delete_tool-0005', jsonb_build_object('id', g), md5(g::text), 'destructive', 'destructive calls need a human',
           CASE WHEN g % 10 = 0 THEN 'pending' WHEN g % 3 = 0 THEN 'denied' ELSE 'approved' END::"ApprovalStatus",
           '${prefix}_req_' || g, now() - g * INTERVAL '1 minute',
           CASE WHEN g % 10 = 0 THEN now() + INTERVAL '1 day' ELSE now() - g * INTERVAL '1 minute' + INTERVAL '10 minutes' END,
           CASE WHEN g % 10 = 0 THEN NULL ELSE now() - g * INTERVAL '1 minute' + INTERVAL '1 minute' END
      FROM generate_series(0, ${size.approvals - 1}) AS g`);
  if (size.auditEvents > 0) await seedAuditEvents(db, orgId, size, prefix, perServer);
}

/** Audit events over the last 30 days, with the secondary indexes rebuilt after the load (much faster). */
async function seedAuditEvents(
  db: Db,
  orgId: string,
  size: InstallationSize,
  prefix: string,
  perServer: number,
): Promise<void> {
  const indexes = await db.$queryRaw<Array<{ name: string; definition: string }>>`
    SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE tablename = 'audit_events' AND indexname <> 'audit_events_pkey'`;
  for (const index of indexes) await db.$executeRawUnsafe(`DROP INDEX "${index.name}"`);
  await db.$executeRawUnsafe(`
    INSERT INTO audit_events (id, org_id, occurred_at, ingested_at, request_id, method, agent_id, agent_name, team_id,
                              server_id, server_name, tool_name, decision, reason, arguments, result_summary,
                              is_error, latency_ms)
    SELECT '${prefix}_evt_' || g, '${orgId}', at, at, '${prefix}_req_evt_' || g, 'tools/call',
           '${prefix}_agt_' || a, 'agent-' || lpad(a::text, 3, '0'), '${prefix}_team_' || (a % ${size.teams}),
           '${prefix}_srv_' || s, 'srv-' || lpad(s::text, 3, '0'),
           'srv-' || lpad(s::text, 3, '0') || '__get_tool-' || lpad(((g % ${perServer}) / 3 * 3)::text, 4, '0'),
           CASE WHEN g % 20 = 0 THEN 'denied' WHEN g % 33 = 0 THEN 'error' ELSE 'allowed' END,
           CASE WHEN g % 20 = 0 THEN 'no grant' WHEN g % 33 = 0 THEN 'upstream timeout' ELSE NULL END,
           jsonb_build_object('id', 'ref-' || g), 'returned ' || (g % 50) || ' items',
           g % 33 = 0, 1 + (g % 300)
      FROM generate_series(1, ${size.auditEvents}) AS g,
           LATERAL (SELECT now() - (g::float8 / ${size.auditEvents}) * INTERVAL '30 days' AS at,
                           g % ${size.agents} AS a, (g / 7) % ${size.servers} AS s) AS x`);
  for (const index of indexes) await db.$executeRawUnsafe(index.definition);
  await db.$executeRawUnsafe("VACUUM ANALYZE audit_events");
}
