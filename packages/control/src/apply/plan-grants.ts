import { newId } from "@portcullis/contracts/ids";
import { Prisma } from "@portcullis/db/client";
import { canonicalJson } from "../canonical-json";
import type { DesiredGrant, DesiredToolRisk } from "./desired-state";
import type { InstalledGrant, InstalledTool } from "./load-installation";
import { fieldChanges, type Operation } from "./plan";

const COMPARED = ["effect", "approvalTimeoutSec", "reason", "condition"] as const;

/**
 * Grant deletes (run first, before their subjects go) and creates/updates (run last, once
 * teams, agents and servers exist). A grant's identity is who + server + tool pattern;
 * console-made duplicates of one identity collapse to one row.
 */
export function planGrants(
  current: InstalledGrant[],
  desired: DesiredGrant[],
): { deletes: Operation[]; upserts: Operation[] } {
  const kept = new Map<string, InstalledGrant>();
  const deletes: Operation[] = [];
  const wanted = new Set(desired.map((g) => g.key));
  for (const row of current) {
    if (wanted.has(row.key) && !kept.has(row.key)) {
      kept.set(row.key, row);
      continue;
    }
    deletes.push({
      change: { action: "delete", kind: "grant", name: row.key },
      details: { effect: row.effect },
      run: async (tx) => {
        await tx.grant.delete({ where: { id: row.id } });
        return row.id;
      },
    });
  }

  const upserts: Operation[] = [];
  for (const want of desired) {
    const row = kept.get(want.key);
    // A file cannot express argument conditions, so a file-managed grant has none.
    const values = { ...want, condition: null };
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "grant", name: want.key },
        details: { effect: want.effect },
        run: async (tx, ctx) => {
          const id = newId("grant");
          await tx.grant.create({
            data: {
              id,
              orgId: ctx.orgId,
              teamId: want.subject.kind === "team" ? ctx.teamIds.get(want.subject.name)! : null,
              agentId: want.subject.kind === "agent" ? ctx.agentIds.get(want.subject.name)! : null,
              serverId: ctx.serverIds.get(want.server)!,
              toolPattern: want.toolPattern,
              effect: want.effect,
              approvalTimeoutSec: want.approvalTimeoutSec,
              reason: want.reason,
              createdBy: ctx.createdBy,
            },
          });
          return id;
        },
      });
      continue;
    }
    const fields = COMPARED.filter((f) => canonicalJson(row[f] ?? null) !== canonicalJson(values[f]));
    if (fields.length === 0) continue;
    upserts.push({
      change: { action: "update", kind: "grant", name: want.key, fields: [...fields] },
      details: { changes: fieldChanges(row, values, [...fields]) },
      run: async (tx) => {
        await tx.grant.update({
          where: { id: row.id },
          data: {
            effect: want.effect,
            approvalTimeoutSec: want.approvalTimeoutSec,
            reason: want.reason,
            condition: Prisma.DbNull,
          },
        });
        return row.id;
      },
    });
  }
  return { deletes, upserts };
}

/**
 * Risk overrides: set, change or clear `riskOverride` on catalog tools. An override for a
 * tool the catalog does not list yet (a new server, never synced) is planned as deferred:
 * it is applied after the server's catalog sync (see applyAndPublish).
 */
export function planToolRisks(
  tools: InstalledTool[],
  desired: DesiredToolRisk[],
  remainingServers: Set<string>,
): Operation[] {
  const byKey = new Map(tools.map((t) => [t.key, t]));
  const wanted = new Set(desired.map((r) => r.key));
  const ops: Operation[] = [];
  for (const want of desired) {
    const tool = byKey.get(want.key);
    if (!tool) {
      ops.push({
        change: {
          action: "create",
          kind: "toolRisk",
          name: want.key,
          deferred: `server "${want.server}" does not list tool "${want.tool}" (yet): applied after its catalog sync`,
        },
      });
      continue;
    }
    if (tool.riskOverride === want.risk) continue;
    ops.push({
      change: {
        action: tool.riskOverride === null ? "create" : "update",
        kind: "toolRisk",
        name: want.key,
        ...(tool.riskOverride !== null && { fields: ["risk"] }),
      },
      details: { changes: fieldChanges({ risk: tool.riskOverride }, { risk: want.risk }, ["risk"]) },
      run: async (tx) => {
        await tx.tool.update({ where: { id: tool.id }, data: { riskOverride: want.risk } });
        return tool.id;
      },
    });
  }
  for (const tool of tools) {
    // Tools of a server being deleted go with it; no separate change to report.
    if (tool.riskOverride === null || wanted.has(tool.key) || !remainingServers.has(tool.serverName))
      continue;
    ops.push({
      change: { action: "delete", kind: "toolRisk", name: tool.key },
      details: { changes: fieldChanges({ risk: tool.riskOverride }, { risk: null }, ["risk"]) },
      run: async (tx) => {
        await tx.tool.update({ where: { id: tool.id }, data: { riskOverride: null } });
        return tool.id;
      },
    });
  }
  return ops;
}
