import { newId } from "@portcullis/contracts/ids";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { grantKey } from "../apply/desired-state";
import { fieldChanges } from "../apply/plan";
import type { Db } from "../db";
import { findServer } from "../servers/find-server";
import { findGrantSubject, type GrantSubjectRef } from "./grant-subject";

export interface GrantInput {
  subject: GrantSubjectRef;
  serverId: string;
  /** An upstream tool name or a glob (`*`, `get-*`), as in the config file's `tools:`. */
  toolPattern: string;
  effect: GrantEffect;
  approvalTimeoutSec?: number | null;
  reason?: string | null;
}

/**
 * Creates or updates the grant identified by subject + server + tool pattern (the identity
 * `portcullis apply` uses, so the two never create duplicates of each other). An update
 * keeps an argument condition set elsewhere. No-op when nothing differs.
 */
export async function setGrant(
  db: Db,
  input: { orgId: string; actor: Actor; grant: GrantInput },
): Promise<{ id: string; key: string; action: "create" | "update" | "none" }> {
  const want = input.grant;
  const toolPattern = want.toolPattern.trim();
  return db.$transaction(async (tx) => {
    const subject = await findGrantSubject(tx, input.orgId, want.subject);
    const server = await findServer(tx, input.orgId, want.serverId);
    const key = grantKey(subject.type, subject.name, server.name, toolPattern);
    const values = {
      effect: want.effect,
      approvalTimeoutSec: want.effect === "approve" ? (want.approvalTimeoutSec ?? null) : null,
      reason: want.reason?.trim() || null,
    };
    const existing = await tx.grant.findFirst({
      where: {
        orgId: input.orgId,
        serverId: server.id,
        toolPattern,
        ...(subject.type === "team" ? { teamId: subject.id } : { agentId: subject.id }),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    if (existing) {
      const fields = (["effect", "approvalTimeoutSec", "reason"] as const).filter(
        (f) => existing[f] !== values[f],
      );
      if (fields.length === 0) return { id: existing.id, key, action: "none" as const };
      await tx.grant.update({ where: { id: existing.id }, data: values });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "grant.update",
        targetType: "grant",
        targetId: existing.id,
        details: { name: key, fields, changes: fieldChanges(existing, values, [...fields]) },
      });
      return { id: existing.id, key, action: "update" as const };
    }
    const id = newId("grant");
    await tx.grant.create({
      data: {
        id,
        orgId: input.orgId,
        teamId: subject.type === "team" ? subject.id : null,
        agentId: subject.type === "agent" ? subject.id : null,
        serverId: server.id,
        toolPattern,
        ...values,
        createdBy: actorLabel(input.actor),
      },
    });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "grant.create",
      targetType: "grant",
      targetId: id,
      details: { name: key, effect: values.effect },
    });
    return { id, key, action: "create" as const };
  });
}
