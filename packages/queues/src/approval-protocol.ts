import { type ApprovalDecisionMessage, approvalDecisionMessage } from "@portcullis/contracts/jobs";
import {
  approvalClaimKey,
  approvalDecisionChannel,
  approvalDecisionKey,
  approvalIndexKey,
  type RedisNames,
} from "@portcullis/contracts/redis-keys";
import { macKey, signPayload, verifyPayload } from "@portcullis/contracts/redis-mac";
import type { Redis } from "ioredis";

/**
 * The approval protocol over Redis, both ends (the request itself goes through the
 * `approval.request` job, see approval-queue). Gateways index pending calls, wait for
 * decisions and claim approved ones; the control plane (console, CLI, worker) publishes
 * decisions. The key and channel names are in contracts' redis-keys.
 *
 * Redis is not trusted with decisions: each one carries an HMAC (key derived from
 * PORTCULLIS_SECRET_KEY, purpose "approval-decision") as the last member of its JSON,
 * `{…,"mac":"…"}`, over the JSON without it. Readers drop, and report, any decision whose
 * MAC is missing or wrong: someone who can write Redis cannot approve a call.
 */

/** A decision stays readable this long after the request's expiry: a client may retry late. */
const KEEP_AFTER_EXPIRY_SEC = 24 * 3600;

// ── decisions: the control plane writes, gateways read ──

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
  secretKey: Buffer,
): Promise<void> {
  const json = signDecision(secretKey, JSON.stringify(message));
  const ttl = Math.max(60, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)) + KEEP_AFTER_EXPIRY_SEC;
  const result = await redis
    .multi()
    .set(approvalDecisionKey(names, message.approvalId), json, "EX", ttl)
    .publish(approvalDecisionChannel(names), json)
    .exec();
  const failed = result?.find(([error]) => error !== null)?.[0];
  if (failed) throw failed;
}

/** `json` (a decision) with its MAC appended as the last member (exported for tests that forge entries). */
export function signDecision(secretKey: Buffer, json: string): string {
  const mac = signPayload(macKey(secretKey, "approval-decision"), json);
  return `${json.slice(0, -1)},"mac":"${mac}"}`;
}

/** How a reader checks decisions: the installation key, and who hears of forged ones. */
export interface DecisionTrust {
  secretKey: Buffer;
  /** A decision-shaped entry failed its MAC (the approval id it claims, when readable). */
  onForged?: (approvalId: string | null) => void;
}

// The signed text is everything before `,"mac":"…"}` plus the closing brace.
const SIGNED_DECISION = /^(\{.*),"mac":"([A-Za-z0-9_-]+)"\}$/s;

/**
 * A published decision whose MAC verifies, or null for anything else: a forged or unsigned
 * entry (reported to `trust.onForged`), or another version's format.
 */
export function parseApprovalDecision(raw: string, trust: DecisionTrust): ApprovalDecisionMessage | null {
  const signed = SIGNED_DECISION.exec(raw);
  const authentic =
    signed !== null &&
    verifyPayload(macKey(trust.secretKey, "approval-decision"), `${signed[1]}}`, signed[2]);
  let parsed: ReturnType<typeof approvalDecisionMessage.safeParse>;
  try {
    parsed = approvalDecisionMessage.safeParse(JSON.parse(raw));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  if (!authentic) {
    trust.onForged?.(parsed.data.approvalId);
    return null;
  }
  return parsed.data;
}

/** The decisions already published for these requests (one MGET); undecided ones are left out. */
export async function readApprovalDecisions(
  redis: Redis,
  names: RedisNames,
  approvalIds: readonly string[],
  trust: DecisionTrust,
): Promise<ApprovalDecisionMessage[]> {
  if (approvalIds.length === 0) return [];
  const raws = await redis.mget(approvalIds.map((id) => approvalDecisionKey(names, id)));
  return raws.flatMap((raw) => {
    const decision = raw === null ? null : parseApprovalDecision(raw, trust);
    return decision ? [decision] : [];
  });
}

/** The decision on one request, or null while there is none. */
export async function readApprovalDecision(
  redis: Redis,
  names: RedisNames,
  approvalId: string,
  trust: DecisionTrust,
): Promise<ApprovalDecisionMessage | null> {
  const raw = await redis.get(approvalDecisionKey(names, approvalId));
  return raw === null ? null : parseApprovalDecision(raw, trust);
}

/**
 * Calls `onDecision` for every decision published. `subscriber` must be a connection of its
 * own (SUBSCRIBE puts it in subscriber mode); ioredis re-subscribes after a reconnect.
 */
export async function subscribeToApprovalDecisions(
  subscriber: Redis,
  names: RedisNames,
  trust: DecisionTrust,
  onDecision: (decision: ApprovalDecisionMessage) => void,
): Promise<void> {
  const channel = approvalDecisionChannel(names);
  subscriber.on("message", (from: string, raw: string) => {
    if (from !== channel) return;
    const decision = parseApprovalDecision(raw, trust);
    if (decision) onDecision(decision);
  });
  await subscriber.subscribe(channel);
}

// ── the pending-call index and the claim: gateways only ──

/** Which pending request a call (agent, tool, argument hash) belongs to. */
export interface PendingApproval {
  id: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface PendingCall {
  agentId: string;
  toolId: string;
  argumentsHash: string;
  /** The person asking (an OAuth caller); null or absent: the agent itself. */
  personId?: string | null;
}

/**
 * The index entry of a call, for releasePendingApproval. A person's call is indexed apart
 * from the same call by another person (or by the agent's key): each waits for its own decision.
 */
export function pendingApprovalKey(names: RedisNames, call: PendingCall): string {
  const caller = call.personId ? `${call.agentId}~${call.personId}` : call.agentId;
  return approvalIndexKey(names, caller, call.toolId, call.argumentsHash);
}

/**
 * Records `fresh` as the call's pending request unless one is there (`SET NX GET`, atomic
 * across replicas): returns the request the call re-attaches to, or null when `fresh` was
 * recorded. An entry this version cannot read is taken over by `fresh`.
 */
export async function indexPendingApproval(
  redis: Redis,
  names: RedisNames,
  call: PendingCall,
  fresh: PendingApproval,
  ttlMs: number,
): Promise<PendingApproval | null> {
  const key = pendingApprovalKey(names, call);
  const previous = await redis.call("SET", key, JSON.stringify(fresh), "PX", String(ttlMs), "NX", "GET");
  if (typeof previous !== "string") return null;
  const existing = parsePendingApproval(previous);
  if (existing) return existing;
  await redis.set(key, JSON.stringify(fresh), "PX", ttlMs);
  return null;
}

// Deletes the index entry only if it still names this approval (a newer request may own it).
const DELETE_IF_OURS = `
local raw = redis.call('GET', KEYS[1])
if raw and string.find(raw, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Removes the call's index entry if it still names `approvalId`, so asking again makes a new request. */
export async function releasePendingApproval(
  redis: Redis,
  names: RedisNames,
  call: PendingCall,
  approvalId: string,
): Promise<void> {
  await redis.eval(DELETE_IF_OURS, 1, pendingApprovalKey(names, call), approvalId);
}

/**
 * Claims an approved request for one call (`SET NX`): true for the first claimant only,
 * so one approval runs one call, on whichever replica.
 */
export async function claimApprovedCall(
  redis: Redis,
  names: RedisNames,
  approvalId: string,
  requestId: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.set(approvalClaimKey(names, approvalId), requestId, "PX", ttlMs, "NX")) !== null;
}

function parsePendingApproval(raw: string): PendingApproval | null {
  try {
    const value = JSON.parse(raw) as Partial<PendingApproval>;
    if (typeof value.id === "string" && typeof value.expiresAt === "number") {
      return { id: value.id, expiresAt: value.expiresAt };
    }
  } catch {}
  return null;
}
