import type { Server } from "@portcullis/db/client";
import type { Tx } from "../db";
import { grantKey, toolRiskKey } from "./desired-state";

export interface InstalledTeam {
  id: string;
  name: string;
  description: string | null;
}

export interface InstalledAgent {
  id: string;
  name: string;
  team: string;
  description: string | null;
  status: "active" | "disabled";
}

export interface InstalledGrant {
  id: string;
  key: string;
  effect: "allow" | "approve" | "deny";
  approvalTimeoutSec: number | null;
  reason: string | null;
  condition: unknown;
}

export interface InstalledTool {
  id: string;
  key: string;
  serverName: string;
  riskOverride: "read" | "write" | "destructive" | null;
}

/** What an organization holds now, keyed the way a config file names things. */
export interface Installation {
  servers: Server[];
  teams: InstalledTeam[];
  agents: InstalledAgent[];
  grants: InstalledGrant[];
  tools: InstalledTool[];
}

/** Loads the organization's servers, teams, agents, grants and tools for an apply to diff against. */
export async function loadInstallation(tx: Tx, orgId: string): Promise<Installation> {
  const servers = await tx.server.findMany({ where: { orgId }, orderBy: { name: "asc" } });
  const teams = await tx.team.findMany({
    where: { orgId },
    select: { id: true, name: true, description: true },
    orderBy: { name: "asc" },
  });
  const agents = await tx.agent.findMany({
    where: { orgId },
    select: { id: true, name: true, description: true, status: true, team: { select: { name: true } } },
    orderBy: { name: "asc" },
  });
  const grants = await tx.grant.findMany({
    where: { orgId },
    include: { team: { select: { name: true } }, agent: { select: { name: true } }, server: { select: { name: true } } },
    orderBy: { createdAt: "asc" },
  });
  const tools = await tx.tool.findMany({
    where: { orgId },
    select: { id: true, upstreamName: true, riskOverride: true, server: { select: { name: true } } },
  });
  return {
    servers,
    teams,
    agents: agents.map((a) => ({ id: a.id, name: a.name, team: a.team.name, description: a.description, status: a.status })),
    grants: grants.map((g) => ({
      id: g.id,
      key: g.team
        ? grantKey("team", g.team.name, g.server.name, g.toolPattern)
        : grantKey("agent", g.agent?.name ?? "?", g.server.name, g.toolPattern),
      effect: g.effect,
      approvalTimeoutSec: g.approvalTimeoutSec,
      reason: g.reason,
      condition: g.condition,
    })),
    tools: tools.map((t) => ({
      id: t.id,
      key: toolRiskKey(t.server.name, t.upstreamName),
      serverName: t.server.name,
      riskOverride: t.riskOverride,
    })),
  };
}
