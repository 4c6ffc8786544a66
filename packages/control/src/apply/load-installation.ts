import { type ToolExposure, toolExposure } from "@portcullis/contracts/exposure";
import type { PolicyKind, Server } from "@portcullis/db/client";
import { type StoredTeamWebhook, TEAM_WEBHOOK_COLUMNS } from "../approvals/team-webhook";
import { grantKey, itemGrantKey, toolRiskKey } from "../change-plan/entry-keys";
import type { Tx } from "../db";
import { normalizeEmail } from "../identity/normalize-email";
import { type InstalledPortals, loadInstalledPortals } from "./plan-portals";

export interface InstalledTeam {
  id: string;
  name: string;
  description: string | null;
  /** Sealed, as stored: planTeams opens it to compare with the file. */
  webhook: StoredTeamWebhook;
}

export interface InstalledAgent {
  id: string;
  name: string;
  team: string;
  description: string | null;
  status: "active" | "disabled";
  exposure: ToolExposure | null;
}

export interface InstalledGrant {
  id: string;
  key: string;
  effect: "allow" | "approve" | "deny";
  approvalTimeoutSec: number | null;
  reason: string | null;
  condition: unknown;
}

export interface InstalledItemGrant {
  id: string;
  key: string;
  effect: "allow" | "approve" | "deny";
  reason: string | null;
}

export interface InstalledTool {
  id: string;
  key: string;
  serverName: string;
  riskOverride: "read" | "write" | "destructive" | null;
  status: "active" | "disabled" | "quarantined" | "removed";
  definitionHash: string;
  approvedHash: string | null;
  flags: string[];
}

/** A member of the organization, as grants and policy scopes of the file name them (by email). */
export interface InstalledPerson {
  id: string;
  /** Normalized (lower-case). */
  email: string;
}

/** A policy row, with its scope as stored (ids). */
export interface InstalledPolicy {
  id: string;
  name: string;
  kind: PolicyKind;
  enabled: boolean;
  priority: number;
  scope: unknown;
  config: unknown;
}

/** What an organization holds now, keyed the way a config file names things. */
export interface Installation {
  servers: Server[];
  teams: InstalledTeam[];
  agents: InstalledAgent[];
  grants: InstalledGrant[];
  itemGrants: InstalledItemGrant[];
  tools: InstalledTool[];
  policies: InstalledPolicy[];
  portals: InstalledPortals;
  people: InstalledPerson[];
}

/**
 * Loads the organization's servers, teams, agents, grants and tools for an apply to diff
 * against. Plain queries joined here: relation includes inside an interactive transaction
 * make Prisma's pg adapter run overlapping queries on one connection (a pg deprecation).
 */
export async function loadInstallation(tx: Tx, orgId: string): Promise<Installation> {
  const servers = await tx.server.findMany({ where: { orgId }, orderBy: { name: "asc" } });
  const teams = await tx.team.findMany({
    where: { orgId },
    select: { id: true, name: true, description: true, ...TEAM_WEBHOOK_COLUMNS },
    orderBy: { name: "asc" },
  });
  const agents = await tx.agent.findMany({
    where: { orgId },
    select: { id: true, name: true, description: true, status: true, exposure: true, teamId: true },
    orderBy: { name: "asc" },
  });
  const grants = await tx.grant.findMany({
    where: { orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const itemGrants = await tx.itemGrant.findMany({
    where: { orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const people = await loadInstalledPeople(tx, orgId);
  const tools = await tx.tool.findMany({
    where: { orgId },
    select: {
      id: true,
      upstreamName: true,
      riskOverride: true,
      serverId: true,
      status: true,
      definitionHash: true,
      approvedHash: true,
      flags: true,
    },
  });

  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  const email = new Map(people.map((p) => [p.id, p.email]));
  const subjectKey = (g: {
    teamId: string | null;
    agentId: string | null;
    userId: string | null;
  }): ["team" | "agent" | "user", string] =>
    g.teamId !== null
      ? ["team", teamName.get(g.teamId)!]
      : g.agentId !== null
        ? ["agent", agentName.get(g.agentId)!]
        : // Someone no longer a member (removing one deletes their grants) keys by id, so apply deletes it.
          ["user", email.get(g.userId!) ?? g.userId!];
  return {
    servers,
    teams: teams.map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      webhook: { webhookSecret: t.webhookSecret, webhookHost: t.webhookHost, webhookUrl: t.webhookUrl },
    })),
    agents: agents.map((a) => ({
      id: a.id,
      name: a.name,
      team: teamName.get(a.teamId)!,
      description: a.description,
      status: a.status,
      exposure: a.exposure === null ? null : toolExposure.parse(a.exposure),
    })),
    grants: grants.map((g) => ({
      id: g.id,
      key: grantKey(...subjectKey(g), serverName.get(g.serverId)!, g.toolPattern),
      effect: g.effect,
      approvalTimeoutSec: g.approvalTimeoutSec,
      reason: g.reason,
      condition: g.condition,
    })),
    itemGrants: itemGrants.map((g) => ({
      id: g.id,
      key: itemGrantKey(...subjectKey(g), serverName.get(g.serverId)!, g.kind, g.pattern),
      effect: g.effect,
      reason: g.reason,
    })),
    tools: tools.map((t) => ({
      id: t.id,
      key: toolRiskKey(serverName.get(t.serverId)!, t.upstreamName),
      serverName: serverName.get(t.serverId)!,
      riskOverride: t.riskOverride,
      status: t.status,
      definitionHash: t.definitionHash,
      approvedHash: t.approvedHash,
      flags: t.flags,
    })),
    policies: await loadInstalledPolicies(tx, orgId),
    portals: await loadInstalledPortals(tx, orgId),
    people,
  };
}

/** The organization's members by normalized email (emails are stored lower-cased; normalized again to be sure). */
export async function loadInstalledPeople(tx: Tx, orgId: string): Promise<InstalledPerson[]> {
  const rows = await tx.membership.findMany({
    where: { orgId },
    select: { user: { select: { id: true, email: true } } },
  });
  return rows.map((r) => ({ id: r.user.id, email: normalizeEmail(r.user.email) }));
}

export async function loadInstalledPolicies(tx: Tx, orgId: string): Promise<InstalledPolicy[]> {
  return tx.policy.findMany({
    where: { orgId },
    select: { id: true, name: true, kind: true, enabled: true, priority: true, scope: true, config: true },
    orderBy: { name: "asc" },
  });
}
