import type { ApprovalCondition } from "@portcullis/contracts/approval-policy";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import type { Tx } from "../db";
import type { GrantSubjectRef } from "./grant-subject";
import { type NamedSubject, subjectNamer } from "./subject-names";

export interface GrantSummary {
  id: string;
  subject: NamedSubject;
  serverId: string;
  serverName: string;
  toolPattern: string;
  effect: GrantEffect;
  reason: string | null;
  approvalTimeoutSec: number | null;
  /** Argument condition of an `approve` grant (validated when written); null: none. */
  condition: ApprovalCondition | null;
  createdBy: string | null;
  updatedAt: Date;
}

/**
 * The organization's grants (optionally those naming one server or one subject). Names are
 * joined in memory from three small lists: no per-row lookups.
 */
export async function listGrants(
  db: Tx,
  input: { orgId: string; serverId?: string; subject?: GrantSubjectRef },
): Promise<GrantSummary[]> {
  const { orgId } = input;
  const [grants, servers] = await Promise.all([
    db.grant.findMany({
      where: {
        orgId,
        ...(input.serverId !== undefined && { serverId: input.serverId }),
        ...(input.subject?.type === "team" && { teamId: input.subject.id }),
        ...(input.subject?.type === "agent" && { agentId: input.subject.id }),
        ...(input.subject?.type === "user" && { userId: input.subject.id }),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    db.server.findMany({ where: { orgId }, select: { id: true, name: true } }),
  ]);
  const subjectOf = await subjectNamer(db, orgId, grants);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  return grants.map((g) => ({
    id: g.id,
    subject: subjectOf(g),
    serverId: g.serverId,
    serverName: serverName.get(g.serverId) ?? "",
    toolPattern: g.toolPattern,
    effect: g.effect,
    reason: g.reason,
    approvalTimeoutSec: g.approvalTimeoutSec,
    condition: g.condition as ApprovalCondition | null,
    createdBy: g.createdBy,
    updatedAt: g.updatedAt,
  }));
}
