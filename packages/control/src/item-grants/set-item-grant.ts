import { ITEM_GRANT_NEEDS_ALLOW_OR_DENY } from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { itemGrantKey } from "../change-plan/entry-keys";
import { fieldChanges } from "../change-plan/field-changes";
import type { Db } from "../db";
import { findGrantSubject, type GrantSubjectRef, subjectColumns } from "../grants/grant-subject";
import { findServer } from "../servers/find-server";

export interface ItemGrantInput {
  subject: GrantSubjectRef;
  serverId: string;
  kind: "resource" | "prompt";
  /** A resource URI or URI glob (`docs://public/*`), or a prompt name or glob, as in the file's `resources:` / `prompts:`. */
  pattern: string;
  effect: GrantEffect;
  reason?: string | null;
}

/**
 * Creates or updates the resource or prompt grant identified by subject + server + kind +
 * pattern (the identity `portcullis apply` uses). The input is the grant's whole state:
 * an absent reason clears it. No-op when nothing differs.
 *
 * @throws AppError INVALID_INPUT (field `effect`) for `approve`, as the apply file refuses
 *   it; NOT_FOUND for a subject or server outside the organization.
 */
export async function setItemGrant(
  db: Db,
  input: { orgId: string; actor: Actor; grant: ItemGrantInput },
): Promise<{ id: string; key: string; action: "create" | "update" | "none" }> {
  const want = input.grant;
  if (want.effect === "approve") {
    throw new AppError("INVALID_INPUT", `effect: ${ITEM_GRANT_NEEDS_ALLOW_OR_DENY}`, {
      details: { field: "effect" },
    });
  }
  const pattern = want.pattern.trim();
  const values = { effect: want.effect, reason: want.reason?.trim() || null };
  return db.$transaction(async (tx) => {
    const subject = await findGrantSubject(tx, input.orgId, want.subject);
    const server = await findServer(tx, input.orgId, want.serverId);
    const key = itemGrantKey(subject.type, subject.name, server.name, want.kind, pattern);
    const existing = await tx.itemGrant.findFirst({
      where: {
        orgId: input.orgId,
        serverId: server.id,
        kind: want.kind,
        pattern,
        ...subjectColumns(subject),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    if (existing) {
      const fields = (["effect", "reason"] as const).filter((f) => existing[f] !== values[f]);
      if (fields.length === 0) return { id: existing.id, key, action: "none" as const };
      await tx.itemGrant.update({ where: { id: existing.id }, data: values });
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
    await tx.itemGrant.create({
      data: {
        id,
        orgId: input.orgId,
        ...subjectColumns(subject),
        serverId: server.id,
        kind: want.kind,
        pattern,
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
