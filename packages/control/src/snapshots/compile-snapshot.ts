import { toolExposure } from "@portcullis/contracts/exposure";
import {
  type ConfigSnapshot,
  configSnapshot,
  policyScope,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotItemGrant,
  type SnapshotServer,
  type ToolExecution,
  toolExecution,
} from "@portcullis/contracts/snapshot";
import type { ItemGrant, Tool } from "@portcullis/db/client";
import { effectiveRisk } from "@portcullis/policy/risk";
import { NEW_TOOL_FLAG } from "@portcullis/policy/tool-availability";
import type { z } from "zod";
import type { Tx } from "../db";
import { snapshotPortalOf } from "../portals/stored-portal";
import { toContractTransport } from "../servers/transport";
import { compilePeople, compileRevokedOAuthGrants } from "./compile-people";

/**
 * Reads the whole installation (every organization) into one self-contained snapshot
 * document: what the gateway needs to authenticate, resolve and decide a call.
 *
 * - Revoked keys are absent; keys already expired at compile time too (they can never
 *   become valid again). Keys expiring later carry `expiresAt`, which the gateway checks.
 * - Upstream secrets stay sealed; only the gateway opens them.
 * - A tool's `riskClass` is the effective one (admin override wins over annotations).
 * - Rows are ordered by id so that an unchanged installation compiles to the same document.
 *
 * Accepts a transaction client so publishSnapshot can compile under its version lock.
 * `scope.orgId` compiles one organization's part only (the console's grants preview runs
 * the gateway's policy code on it); a published snapshot always covers every organization.
 */
export async function compileSnapshot(
  db: Tx,
  version: number,
  scope: {
    orgId?: string;
    /**
     * For the console's previews: no people and no keys, and tools without their
     * descriptions, schemas and annotations (a decision reads none of them), so that
     * "what can this agent see" stays fast at 5,000 tools. Never published.
     */
    preview?: boolean;
  } = {},
): Promise<ConfigSnapshot> {
  const now = new Date();
  const org = scope.orgId === undefined ? {} : { orgId: scope.orgId };
  const agents = await db.agent.findMany({
    where: org,
    include: { team: { select: { name: true } } },
    orderBy: { id: "asc" },
  });
  const keys = await db.apiKey.findMany({
    where: {
      ...org,
      ...(scope.preview && { id: { in: [] } }),
      revokedAt: null,
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
    },
    select: { id: true, agentId: true, hash: true, expiresAt: true },
    orderBy: { id: "asc" },
  });
  const servers = await db.server.findMany({ where: org, orderBy: { id: "asc" } });
  // A preview selects only what a decision reads: at 5,000 tools, the definitions (and the
  // approved copies review keeps) are most of the bytes and of the decoding time.
  const tools: ToolRow[] = scope.preview
    ? await db.tool.findMany({ where: org, orderBy: { id: "asc" }, select: PREVIEW_TOOL_FIELDS })
    : await db.tool.findMany({ where: org, orderBy: { id: "asc" } });
  const grants = await db.grant.findMany({ where: org, orderBy: { id: "asc" } });
  const itemGrants = await db.itemGrant.findMany({ where: org, orderBy: { id: "asc" } });
  const policies = await db.policy.findMany({
    where: { ...org, enabled: true },
    orderBy: [{ priority: "asc" }, { id: "asc" }],
  });
  const portals = await db.portal.findMany({ where: org, orderBy: { id: "asc" } });

  // The input type: fields the schema defaults (a grant's `userId`) may be left out here.
  const document: z.input<typeof configSnapshot> = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    version,
    createdAt: now.toISOString(),
    agents: agents.map((a) => ({
      id: a.id,
      orgId: a.orgId,
      name: a.name,
      teamId: a.teamId,
      teamName: a.team.name,
      status: a.status,
      // Only when set, so a snapshot of agents nobody configured reads as before (inherit).
      ...(a.exposure !== null && { exposure: toolExposure.parse(a.exposure) }),
    })),
    keys: keys.map((k) => ({
      id: k.id,
      agentId: k.agentId,
      hash: k.hash,
      expiresAt: k.expiresAt?.toISOString() ?? null,
    })),
    servers: servers.map((s) => ({
      id: s.id,
      orgId: s.orgId,
      name: s.name,
      transport: toContractTransport(s.transport),
      url: s.url,
      command: s.command,
      args: s.args,
      env: stringRecord(s.env),
      network: s.network,
      allowElicitation: s.allowElicitation,
      allowSampling: s.allowSampling,
      secrets: s.secrets,
      timeoutMs: s.timeoutMs,
      status: s.status,
    })),
    tools: tools.map((t) => ({
      id: t.id,
      serverId: t.serverId,
      upstreamName: t.upstreamName,
      exposedName: t.exposedName,
      title: t.title,
      description: t.description ?? null,
      inputSchema: (t.inputSchema ?? {}) as Record<string, unknown>,
      outputSchema: (t.outputSchema ?? null) as Record<string, unknown> | null,
      annotations: (t.annotations ?? null) as Record<string, unknown> | null,
      ...(t.execution !== undefined && { execution: toolExecutionOf(t.execution) }),
      uiResourceUri: t.uiResourceUri,
      riskClass: effectiveRisk(t.riskClass, t.riskOverride),
      status: t.status,
      ...(t.status === "quarantined" && t.flags.includes(NEW_TOOL_FLAG) && { newTool: true }),
      definitionHash: t.definitionHash,
    })),
    grants: grants.map((g) => ({
      id: g.id,
      orgId: g.orgId,
      teamId: g.teamId,
      agentId: g.agentId,
      userId: g.userId,
      serverId: g.serverId,
      toolPattern: g.toolPattern,
      effect: g.effect,
      approvalTimeoutSec: g.approvalTimeoutSec,
      reason: g.reason,
      ...(g.condition !== null && { condition: g.condition }),
    })),
    resourceGrants: itemGrants.filter((g) => g.kind === "resource").map(snapshotItemGrant),
    promptGrants: itemGrants.filter((g) => g.kind === "prompt").map(snapshotItemGrant),
    policies: policies.map((p) => ({
      id: p.id,
      orgId: p.orgId,
      name: p.name,
      kind: p.kind,
      priority: p.priority,
      scope: policyScope.parse(p.scope ?? {}),
      config: (p.config ?? {}) as Record<string, unknown>,
    })),
    portals: portals.map(snapshotPortalOf),
    people: scope.preview ? [] : await compilePeople(db, scope),
    revokedOAuthGrants: scope.preview ? [] : await compileRevokedOAuthGrants(db, now, scope),
  };
  // The gateway refuses a document it cannot parse; failing here instead names the cause
  // while the admin is still looking, rather than leaving gateways on a stale version.
  return configSnapshot.parse(document);
}

const PREVIEW_TOOL_FIELDS = {
  id: true,
  serverId: true,
  upstreamName: true,
  exposedName: true,
  title: true,
  uiResourceUri: true,
  riskClass: true,
  riskOverride: true,
  status: true,
  definitionHash: true,
  flags: true,
} as const satisfies Partial<Record<keyof Tool, true>>;

/** A tool row as compiled: every field, or (preview) those a decision reads. */
type ToolRow = Pick<Tool, keyof typeof PREVIEW_TOOL_FIELDS> &
  Partial<Pick<Tool, "description" | "inputSchema" | "outputSchema" | "annotations" | "execution">>;

/** A stored `execution` as the snapshot carries it; a malformed one (a misbehaving upstream) is none. */
function toolExecutionOf(value: unknown): ToolExecution | null {
  const parsed = toolExecution.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function stringRecord(value: unknown): SnapshotServer["env"] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** A resource or prompt grant row as the snapshot carries it (approve is refused when written). */
function snapshotItemGrant(g: ItemGrant): SnapshotItemGrant {
  return {
    id: g.id,
    orgId: g.orgId,
    teamId: g.teamId,
    agentId: g.agentId,
    userId: g.userId,
    serverId: g.serverId,
    pattern: g.pattern,
    effect: g.effect === "allow" ? "allow" : "deny",
    reason: g.reason,
  };
}
