import { type ApprovalCondition, approvalCondition } from "@portcullis/contracts/approval-policy";
import {
  GRANT_CONDITION_NEEDS_APPROVE,
  GRANT_TIMEOUT_NEEDS_APPROVE,
  grantApprovalTimeoutSec,
} from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { canonicalJson } from "../canonical-json";
import { formatConfigPath } from "../change-plan/config-path";
import { grantKey } from "../change-plan/entry-keys";
import { fieldChanges } from "../change-plan/field-changes";
import { jsonOrDbNull } from "../change-plan/json-column";
import type { Db, Tx } from "../db";
import { findServer } from "../servers/find-server";
import { findGrantSubject, type GrantSubjectRef, subjectColumns } from "./grant-subject";

export interface GrantInput {
  subject: GrantSubjectRef;
  serverId: string;
  /** An upstream tool name or a glob (`*`, `get-*`), as in the config file's `tools:`. */
  toolPattern: string;
  effect: GrantEffect;
  approvalTimeoutSec?: number | null;
  reason?: string | null;
  /**
   * Effect `approve` only: just the calls whose arguments match wait for a person. Absent or
   * null: none (every call of an `approve` grant waits), exactly as a file entry without one.
   */
  condition?: ApprovalCondition | null;
}

const COMPARED = ["effect", "approvalTimeoutSec", "reason", "condition"] as const;

/**
 * Creates or updates the grant identified by subject + server + tool pattern (the identity
 * `portcullis apply` uses, so the two never create duplicates of each other). The input is
 * the grant's whole desired state, as a file entry is: what it leaves out (reason, timeout,
 * condition) is cleared, so the console and the file always mean the same thing. No-op
 * when nothing differs (conditions compare as canonical JSON, whatever their key order).
 *
 * @throws AppError INVALID_INPUT (`details.fieldErrors` keyed `condition…`) for a condition
 *   the contract schema refuses or one on an `allow`/`deny` grant; INVALID_INPUT (field
 *   `approvalTimeoutSec`) for a timeout outside 1..MAX_APPROVAL_TIMEOUT_SEC or one on an
 *   `allow`/`deny` grant, as the apply file refuses them; NOT_FOUND for a subject
 *   or server outside the organization.
 */
export async function setGrant(
  db: Db,
  input: { orgId: string; actor: Actor; grant: GrantInput },
): Promise<SetGrantResult> {
  return db.$transaction((tx) => setGrantIn(tx, input));
}

export type SetGrantResult = { id: string; key: string; action: "create" | "update" | "none" };

/** `setGrant` inside the caller's transaction (a bulk change sets many grants atomically). */
export async function setGrantIn(
  tx: Tx,
  input: { orgId: string; actor: Actor; grant: GrantInput },
): Promise<SetGrantResult> {
  const want = input.grant;
  const toolPattern = want.toolPattern.trim();
  const condition = validCondition(want.effect, want.condition ?? null);
  const approvalTimeoutSec = validTimeout(want.effect, want.approvalTimeoutSec ?? null);
  const subject = await findGrantSubject(tx, input.orgId, want.subject);
  const server = await findServer(tx, input.orgId, want.serverId);
  const key = grantKey(subject.type, subject.name, server.name, toolPattern);
  const values = {
    effect: want.effect,
    approvalTimeoutSec,
    reason: want.reason?.trim() || null,
    condition,
  };
  const existing = await tx.grant.findFirst({
    where: {
      orgId: input.orgId,
      serverId: server.id,
      toolPattern,
      ...subjectColumns(subject),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  if (existing) {
    const fields = COMPARED.filter(
      (f) => canonicalJson(existing[f] ?? null) !== canonicalJson(values[f] ?? null),
    );
    if (fields.length === 0) return { id: existing.id, key, action: "none" as const };
    await tx.grant.update({
      where: { id: existing.id },
      data: { ...values, condition: jsonOrDbNull(condition) },
    });
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
      ...subjectColumns(subject),
      serverId: server.id,
      toolPattern,
      ...values,
      condition: jsonOrDbNull(condition),
      createdBy: actorLabel(input.actor),
    },
  });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: "grant.create",
    targetType: "grant",
    targetId: id,
    details: { name: key, effect: values.effect, ...(condition !== null && { condition }) },
  });
  return { id, key, action: "create" as const };
}

/** The timeout checked by the apply file's schema (bound and effect), with its message. */
function validTimeout(effect: GrantEffect, timeout: number | null): number | null {
  if (timeout === null) return null;
  if (effect !== "approve") {
    throw new AppError("INVALID_INPUT", `approvalTimeoutSec: ${GRANT_TIMEOUT_NEEDS_APPROVE}`, {
      details: { field: "approvalTimeoutSec" },
    });
  }
  const parsed = grantApprovalTimeoutSec.safeParse(timeout);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? "invalid";
  throw new AppError("INVALID_INPUT", `approvalTimeoutSec: ${message}`, {
    details: { field: "approvalTimeoutSec" },
  });
}

/**
 * The condition checked by the apply file's schema, so that the console and the file accept
 * the same conditions with the same messages (the procedure's input schema checks it first;
 * this keeps the use case safe for every other caller).
 */
function validCondition(effect: GrantEffect, condition: unknown): ApprovalCondition | null {
  if (condition === null) return null;
  if (effect !== "approve") {
    throw new AppError("INVALID_INPUT", `condition: ${GRANT_CONDITION_NEEDS_APPROVE}`, {
      details: { field: "condition" },
    });
  }
  const parsed = approvalCondition.safeParse(condition);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string[]> = {};
  const lines: string[] = [];
  for (const issue of parsed.error.issues) {
    const path = ["condition", ...issue.path];
    const field = path.map(String).join(".");
    fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
    lines.push(`${formatConfigPath(path)}: ${issue.message}`);
  }
  throw new AppError("INVALID_INPUT", `invalid condition: ${lines.join("; ")}`, { details: { fieldErrors } });
}
