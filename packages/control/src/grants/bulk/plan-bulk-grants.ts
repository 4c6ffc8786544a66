import { createHash } from "node:crypto";
import { AppError } from "@portcullis/contracts/errors";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { grantAppliesTo, grantIsInherited } from "@portcullis/policy/grant-precedence";
import { canonicalJson } from "../../canonical-json";
import type { Tx } from "../../db";
import { type AccessEffect, matchesEffect, narrows, type ToolFilter } from "../access/access-filter";
import { type AccessGrant, accessOf, grantsByServer, loadAccessInputs } from "../access/evaluate-access";
import { loadPrincipal, type PrincipalRef, type PrincipalView } from "../access/principals";

/** One change over many tools: "allow every read tool of github for team platform". */
export interface BulkGrantChange {
  principal: PrincipalRef;
  /** The tools it covers: a server (or all), a name pattern, risk classes, today's effect. */
  filter: ToolFilter;
  effect: GrantEffect;
  reason?: string | null;
}

export interface PlannedGrant {
  serverId: string;
  serverName: string;
  toolPattern: string;
  action: "create" | "update" | "none";
  /** The effect of the principal's existing grant with this pattern, if any. */
  before: GrantEffect | null;
}

export interface PlannedToolChange {
  toolId: string;
  exposedName: string;
  serverName: string;
  before: AccessEffect;
  after: AccessEffect;
}

export interface BulkGrantPlan {
  principal: PrincipalView;
  effect: GrantEffect;
  grants: PlannedGrant[];
  /** Tools the change covers; `changed` of them end with another effect (a stronger grant may win). */
  tools: { total: number; changed: number; sample: PlannedToolChange[] };
  /** Binds a save to this preview: `applyBulkGrants` refuses when the plan has changed since. */
  fingerprint: string;
}

/** A bulk change writes at most this many grants: past it, narrow the filter (or use a pattern grant). */
export const MAX_BULK_GRANTS = 1_000;
const SAMPLE = 500;

/**
 * What a bulk change would write, and what every covered tool's effect would become, under
 * the gateway's precedence (the most restrictive grant wins, so an allow cannot lift a
 * team-wide deny — the preview shows it). A whole server (no pattern, risk or effect
 * filter) gets one `*` grant; a narrowed set gets one grant per tool, by exact name, for the
 * tools that do not have the effect already.
 */
export async function planBulkGrants(
  db: Tx,
  input: { orgId: string; change: BulkGrantChange },
): Promise<BulkGrantPlan> {
  const { change } = input;
  const { view, principal } = await loadPrincipal(db, input.orgId, change.principal);
  const { tools, grants, servers } = await loadAccessInputs(db, input.orgId, change.filter);
  const byServer = grantsByServer(grants);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const covered = tools.filter((t) =>
    matchesEffect(change.filter, accessOf(principal, t, byServer.get(t.serverId) ?? []).effect),
  );
  const wholeServers = !narrows(change.filter);
  const patterns = new Map<string, Set<string>>();
  if (wholeServers) {
    for (const s of servers) patterns.set(s.id, new Set(["*"]));
  } else {
    // A tool that already has the effect through another grant needs no grant of its own,
    // unless the principal has one by its exact name (which is then updated).
    for (const t of covered) {
      const serverGrants = byServer.get(t.serverId) ?? [];
      const exact = serverGrants.some(
        (g) =>
          g.toolPattern === t.upstreamName && grantAppliesTo(g, principal) && !grantIsInherited(g, principal),
      );
      if (!exact && accessOf(principal, t, serverGrants).effect === change.effect) continue;
      patterns.set(t.serverId, (patterns.get(t.serverId) ?? new Set()).add(t.upstreamName));
    }
  }

  const planned: PlannedGrant[] = [];
  const after = new Map(byServer);
  for (const [serverId, names] of patterns) {
    const own = (byServer.get(serverId) ?? []).filter(
      (g) => grantAppliesTo(g, principal) && !grantIsInherited(g, principal),
    );
    let simulated = [...(byServer.get(serverId) ?? [])];
    for (const toolPattern of names) {
      const existing = own.find((g) => g.toolPattern === toolPattern);
      planned.push({
        serverId,
        serverName: serverName.get(serverId) ?? "",
        toolPattern,
        action: existing === undefined ? "create" : existing.effect === change.effect ? "none" : "update",
        before: existing?.effect ?? null,
      });
      const written: AccessGrant = {
        id: existing?.id ?? `planned:${serverId}:${toolPattern}`,
        teamId: principal.type === "team" ? principal.id : null,
        agentId: principal.type === "agent" ? principal.id : null,
        userId: principal.type === "user" ? principal.id : null,
        serverId,
        toolPattern,
        effect: change.effect,
        reason: change.reason ?? null,
      };
      simulated = existing
        ? simulated.map((g) => (g.id === existing.id ? written : g))
        : [...simulated, written];
    }
    after.set(serverId, simulated);
  }
  const writes = planned.filter((p) => p.action !== "none").length;
  if (writes > MAX_BULK_GRANTS) {
    throw new AppError(
      "INVALID_INPUT",
      `this change would write ${writes} grants (at most ${MAX_BULK_GRANTS} at once): narrow it to fewer servers or tools, or write a pattern grant`,
    );
  }

  const changes: PlannedToolChange[] = covered.map((t) => ({
    toolId: t.id,
    exposedName: t.exposedName,
    serverName: serverName.get(t.serverId) ?? "",
    before: accessOf(principal, t, byServer.get(t.serverId) ?? []).effect,
    after: accessOf(principal, t, after.get(t.serverId) ?? []).effect,
  }));
  const changed = changes.filter((c) => c.before !== c.after);
  return {
    principal: view,
    effect: change.effect,
    grants: planned.sort(
      (a, b) => a.serverName.localeCompare(b.serverName) || a.toolPattern.localeCompare(b.toolPattern),
    ),
    tools: {
      total: changes.length,
      changed: changed.length,
      // Tools whose effect changes first: they are what the admin must check.
      sample: [...changed, ...changes.filter((c) => c.before === c.after)].slice(0, SAMPLE),
    },
    fingerprint: fingerprintOf(change, planned),
  };
}

function fingerprintOf(change: BulkGrantChange, planned: PlannedGrant[]): string {
  const body = canonicalJson({
    principal: change.principal,
    effect: change.effect,
    reason: change.reason ?? null,
    grants: planned.map((p) => [p.serverId, p.toolPattern, p.action, p.before]),
  });
  return createHash("sha256").update(body).digest("hex");
}
