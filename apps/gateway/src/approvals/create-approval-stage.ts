import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { ApprovalDecisionMessage, ApprovalRequestPayload } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { compileApprovalRules } from "@portcullis/policy/approval-rules";
import { approvingTeams } from "@portcullis/policy/person-view";
import {
  claimApprovedCall,
  indexPendingApproval,
  type PendingApproval,
  type PendingCall,
  releasePendingApproval,
} from "@portcullis/queues/approval-protocol";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { RedisTarget } from "@portcullis/queues/redis-config";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ApprovalDecision, ApprovalStage, ApprovalWaitOptions } from "../pipeline/approval-stage";
import { personIdOf } from "../pipeline/person-of";
import type { StageInput } from "../pipeline/stage-input";
import { DecisionWaiters } from "./decision-waiters";
import { formatDuration } from "./format-duration";

export interface ApprovalStageOptions {
  /** The gateway's command connection (fails fast while Redis is down). */
  redis: Redis;
  /** For the stage's one subscriber connection. */
  redisUrl: RedisTarget;
  names: RedisNames;
  logger: Logger;
  /** The installation key: decisions not signed with it are refused (and reported to `onForgedDecision`). */
  secretKey: Buffer;
  onForgedDecision?: (approvalId: string | null) => void;
  /** Progress notifications to waiting clients, and the re-read of decision keys. Default 3 s. */
  progressIntervalMs?: number;
  /**
   * After a request's expiry, how long the call still waits for the worker's verdict before
   * calling it expired itself (the worker may be down; the answer must not be). Default 2 s.
   */
  expiryGraceMs?: number;
}

/**
 * Who a held call is from, as the index keys it and the request names it: an agent and its
 * key and team; or a person, through their OAuth client, decided by the approvers of any
 * of `approvingTeams` (the holding policy's teams of theirs, or those granting the tool). A
 * person's calls are indexed per client: the same call from two of their clients waits for
 * two decisions.
 */
function callerOf(
  input: StageInput,
  requirement: ApprovalDecision,
): {
  indexId: string;
  payload: Pick<
    ApprovalRequestPayload,
    "orgId" | "agentId" | "agentName" | "client" | "teamId" | "teamIds" | "keyId"
  >;
} {
  const { identity, snapshot } = input.ctx;
  if (identity.kind === "agent") {
    const { agent, key } = identity;
    return {
      indexId: agent.id,
      payload: {
        orgId: agent.orgId,
        agentId: agent.id,
        agentName: agent.name,
        client: null,
        teamId: agent.teamId,
        teamIds: [agent.teamId],
        keyId: key.id,
      },
    };
  }
  const { person, client } = identity;
  const policyTeams =
    requirement.source.type === "policy"
      ? snapshot.policiesCompiled("approval", compileApprovalRules).scopeTeams(requirement.source.id)
      : null;
  const teamIds = approvingTeams(
    person,
    input.tool,
    snapshot.grantsByServer.get(input.server.id) ?? [],
    policyTeams,
  );
  return {
    indexId: `oauth:${client.id}`,
    payload: {
      orgId: person.orgId,
      agentId: null,
      agentName: person.email,
      client: { id: client.id, name: client.name },
      teamId: teamIds[0] ?? null,
      teamIds,
      keyId: null,
    },
  };
}

/** Index entries and claims outlive the request by a day: a client may retry a while later. */
const KEEP_MS = 24 * 3600 * 1000;

/**
 * The approval stage: holds a call until a person decides, without touching Postgres.
 *
 * 1. The call's identity is (agent, or person and OAuth client; tool; SHA-256 of the
 *    arguments). A Redis index maps it to its approval id, set only if absent (`SET NX GET`): the same call retried after a
 *    restart, on another replica or concurrently re-attaches to the same request instead
 *    of asking again. A new request is enqueued (`approval.request`) for the worker to store.
 * 2. The call waits on the shared decision subscriber, with progress notifications to a
 *    client that asked for them, until the decision or the expiry.
 * 3. Approved: the decision must carry this call's argument hash (anything else is refused),
 *    and one `SET NX` claim lets exactly one call run on one approval. Denied or expired:
 *    a JSON-RPC error with the approver's reason; the index entry goes, so asking again
 *    makes a new request.
 */
export function createApprovalStage(options: ApprovalStageOptions): ApprovalStage {
  const { redis, names, logger } = options;
  const progressMs = options.progressIntervalMs ?? 3_000;
  const graceMs = options.expiryGraceMs ?? 2_000;
  const queue = new ApprovalQueue({ names, connection: redis });
  const waiters = new DecisionWaiters({
    redisUrl: options.redisUrl,
    redis,
    names,
    logger,
    tickMs: progressMs,
    connectionName: `portcullis-gateway-approvals:${names.prefix}`.replace(/[^\w:.-]/g, "_"),
    secretKey: options.secretKey,
    ...(options.onForgedDecision && { onForged: options.onForgedDecision }),
  });
  /** Approved calls running now: approval id → request id (for the executed record). */
  const running = new Map<string, string>();
  const recording = new Set<Promise<void>>();
  let closed = false;

  const unavailable = (what: string, cause: unknown) =>
    new AppError("UNAVAILABLE", `approvals are unavailable: ${what} (Redis cannot be reached); retry later`, {
      cause,
    });

  async function attach(
    input: StageInput,
    hash: string,
    requirement: ApprovalDecision,
    args: Record<string, unknown>,
  ) {
    const { tool, server, ctx } = input;
    const caller = callerOf(input, requirement);
    const call: PendingCall = {
      agentId: caller.indexId,
      toolId: tool.id,
      argumentsHash: hash,
      personId: personIdOf(ctx.identity),
    };
    const requester = call.personId ?? null;
    const requestedAt = Date.now();
    const fresh: PendingApproval = {
      id: newId("approval"),
      expiresAt: requestedAt + requirement.timeoutSec * 1000,
    };
    let existing: PendingApproval | null;
    try {
      existing = await indexPendingApproval(
        redis,
        names,
        call,
        fresh,
        requirement.timeoutSec * 1000 + KEEP_MS,
      );
    } catch (cause) {
      throw unavailable("the request could not be recorded", cause);
    }
    if (existing) return { entry: existing, call };
    try {
      await queue.request({
        approvalId: fresh.id,
        ...caller.payload,
        onBehalfOf: requester,
        serverId: server.id,
        serverName: server.name,
        toolName: tool.upstreamName,
        exposedName: tool.exposedName,
        toolId: tool.id,
        arguments: args,
        argumentsHash: hash,
        riskClass: tool.riskClass,
        reason: requirement.reason,
        source: requirement.source,
        highlights: requirement.highlights,
        requestId: ctx.requestId,
        requestedAt: new Date(requestedAt).toISOString(),
        expiresAt: new Date(fresh.expiresAt).toISOString(),
      });
    } catch (cause) {
      await releasePendingApproval(redis, names, call, fresh.id).catch(() => undefined);
      throw unavailable("the request could not be enqueued", cause);
    }
    logger.info(
      {
        approvalId: fresh.id,
        // An agent by name; a person by id (their email stays out of the logs).
        caller: caller.payload.agentId === null ? requester : caller.payload.agentName,
        tool: tool.exposedName,
        requestId: ctx.requestId,
      },
      "call held for approval",
    );
    return { entry: fresh, call };
  }

  function forget(call: PendingCall, approvalId: string): Promise<void> {
    return releasePendingApproval(redis, names, call, approvalId).catch(() => undefined);
  }

  return {
    async awaitDecision(input, args, requirement, waitOptions: ApprovalWaitOptions) {
      if (closed) throw new AppError("UNAVAILABLE", "the gateway is shutting down: retry the call");
      const { tool, ctx } = input;
      const hash = await approvalArgumentsHash(args);
      const { entry, call } = await attach(input, hash, requirement, args);
      // Linked from the start, so a denied or expired call's audit event names its approval too.
      ctx.audit.approvalId = entry.id;
      const total = requirement.timeoutSec;
      // Progress counts seconds since the request was made, of its timeout: it only grows.
      const report = () => {
        const left = Math.max(0, entry.expiresAt - Date.now());
        waitOptions.onProgress?.({
          progress: Math.min(total, Math.max(0, Math.round(total - left / 1000))),
          total,
          message: `waiting for approval ${entry.id}: ${requirement.reason} (expires in ${formatDuration(left)})`,
        });
      };
      report();
      let decision: ApprovalDecisionMessage | null;
      try {
        decision = await waiters.wait(entry.id, entry.expiresAt + graceMs, {
          signal: waitOptions.signal,
          onTick: report,
        });
      } catch (error) {
        if (waitOptions.signal?.aborted) {
          // The client went away; the request stays pending for the same call retried.
          throw new AppError(
            "APPROVAL_REQUIRED",
            `the client went away before a decision; approval ${entry.id} stays pending`,
            { details: { approvalId: entry.id, status: "pending" } },
          );
        }
        throw error;
      }

      if (decision === null || decision.status === "expired") {
        await forget(call, entry.id);
        throw new AppError(
          "APPROVAL_REQUIRED",
          `call to '${tool.exposedName}' was not approved in time: approval ${entry.id} expired after ${formatDuration(requirement.timeoutSec * 1000)} without a decision`,
          { details: { approvalId: entry.id, status: "expired" } },
        );
      }
      if (decision.status === "denied") {
        await forget(call, entry.id);
        const by = decision.decidedBy ? ` by ${decision.decidedBy.name}` : "";
        throw new AppError(
          "FORBIDDEN",
          `call to '${tool.exposedName}' denied${by}: ${decision.comment ?? "no reason given"}`,
          {
            details: { approvalId: entry.id, status: "denied", decidedBy: decision.decidedBy?.name ?? null },
          },
        );
      }
      await forget(call, entry.id);
      if (decision.argumentsHash !== hash) {
        logger.warn(
          { approvalId: entry.id, requestId: ctx.requestId },
          "approved arguments differ from the call's",
        );
        throw new AppError(
          "FORBIDDEN",
          `call to '${tool.exposedName}' refused: approval ${entry.id} was given for other arguments than this call's`,
          { details: { approvalId: entry.id, status: "arguments_mismatch" } },
        );
      }
      const claimed = await claimApprovedCall(redis, names, entry.id, ctx.requestId, KEEP_MS).catch(
        (cause: unknown) => {
          throw unavailable("the approval could not be claimed", cause);
        },
      );
      if (!claimed) {
        throw new AppError(
          "FORBIDDEN",
          `call to '${tool.exposedName}' refused: approval ${entry.id} has already been used by another call`,
          { details: { approvalId: entry.id, status: "already_used" } },
        );
      }
      running.set(entry.id, ctx.requestId);
      return { approvalId: entry.id };
    },

    async markExecuted(approvalId, outcome) {
      const requestId = running.get(approvalId) ?? "unknown";
      running.delete(approvalId);
      const recorded = queue
        .executed({ approvalId, isError: outcome.isError, requestId, executedAt: new Date().toISOString() })
        .catch((err: unknown) =>
          // The claim already keeps the approval from running twice; only the record is late.
          logger.warn(
            { approvalId, err: String(err) },
            "could not enqueue the executed record of an approval",
          ),
        );
      recording.add(recorded);
      await recorded;
      recording.delete(recorded);
    },

    async close() {
      closed = true;
      waiters.close(
        (approvalId) =>
          // APPROVAL_REQUIRED, not UNAVAILABLE: the call still needs a decision, and retrying
          // it (on any replica) resumes the wait on the same request.
          new AppError(
            "APPROVAL_REQUIRED",
            `the gateway is restarting: approval ${approvalId} stays pending; retry the same call to resume waiting`,
            { details: { approvalId, status: "pending" } },
          ),
      );
      // Approved calls already running still record their execution before the queue closes
      // (bounded: their upstream timeouts end them).
      const deadline = Date.now() + 60_000;
      while ((running.size > 0 || recording.size > 0) && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...recording]), new Promise((r) => setTimeout(r, 50))]);
      }
      await queue.close();
    },
  };
}
