import type { ApprovalDecisionMessage } from "@portcullis/contracts/jobs";
import {
  approvalDecisionChannel,
  approvalDecisionKey,
  type RedisNames,
} from "@portcullis/contracts/redis-keys";
import type { ApprovalRequest } from "@portcullis/db/client";
import type { Redis } from "ioredis";

/** A decision stays readable this long after the request's expiry: a client may retry late. */
const KEEP_AFTER_EXPIRY_SEC = 24 * 3600;

/** The message gateways act on, from a decided row. */
export function decisionMessage(
  row: Pick<ApprovalRequest, "id" | "argumentsHash" | "decidedAt" | "comment" | "status" | "decidedById">,
  decidedBy: { id: string; name: string } | null,
): ApprovalDecisionMessage {
  const status = row.status === "executed" ? "approved" : row.status;
  if (status === "pending") throw new Error(`approval ${row.id} is still pending`);
  return {
    approvalId: row.id,
    status,
    argumentsHash: row.argumentsHash,
    decidedBy,
    comment: row.comment,
    decidedAt: (row.decidedAt ?? new Date()).toISOString(),
  };
}

/**
 * Delivers a decision to every gateway: SET first (with an expiry), then PUBLISH, in one
 * MULTI, so a gateway that subscribes after the message went out still finds the decision
 * by reading the key. Safe to repeat (a retry, or a repair after Redis lost a message).
 */
export async function publishApprovalDecision(
  redis: Redis,
  names: RedisNames,
  message: ApprovalDecisionMessage,
  expiresAt: Date,
): Promise<void> {
  const json = JSON.stringify(message);
  const ttl = Math.max(60, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)) + KEEP_AFTER_EXPIRY_SEC;
  const result = await redis
    .multi()
    .set(approvalDecisionKey(names, message.approvalId), json, "EX", ttl)
    .publish(approvalDecisionChannel(names), json)
    .exec();
  const failed = result?.find(([error]) => error !== null)?.[0];
  if (failed) throw failed;
}
