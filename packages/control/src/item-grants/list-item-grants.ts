import type { Tx } from "../db";
import type { GrantSubjectRef } from "../grants/grant-subject";
import { type NamedSubject, subjectNamer } from "../grants/subject-names";

export interface ItemGrantSummary {
  id: string;
  subject: NamedSubject;
  serverId: string;
  serverName: string;
  kind: "resource" | "prompt";
  pattern: string;
  effect: "allow" | "deny";
  reason: string | null;
  createdBy: string | null;
  updatedAt: Date;
}

/** The organization's resource and prompt grants (optionally those naming one server or subject). */
export async function listItemGrants(
  db: Tx,
  input: { orgId: string; serverId?: string; subject?: GrantSubjectRef },
): Promise<ItemGrantSummary[]> {
  const { orgId } = input;
  const [grants, servers] = await Promise.all([
    db.itemGrant.findMany({
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
    kind: g.kind,
    pattern: g.pattern,
    // `approve` is refused when written; were one stored by hand, the gateway reads it as deny.
    effect: g.effect === "allow" ? "allow" : "deny",
    reason: g.reason,
    createdBy: g.createdBy,
    updatedAt: g.updatedAt,
  }));
}
