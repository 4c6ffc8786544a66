/**
 * Every Redis key, channel and queue name Portcullis uses, derived from one prefix so
 * that tests (one prefix per test) and co-tenant installations never collide.
 */
export interface RedisNames {
  prefix: string;
  /** String: the current snapshot document (JSON). */
  snapshotDoc: string;
  /** String: the current snapshot version (integer), read by pollers. */
  snapshotVersion: string;
  /** String: HMAC of the snapshot document (see contracts' redis-mac), written with it. */
  snapshotMac: string;
  /** Pub/sub channel: message is the new version number. */
  snapshotChannel: string;
  /** BullMQ prefix (queues live under `<bullPrefix>:<queue>:…`). */
  bullPrefix: string;
  /** Rate-limit counters live under `<rateLimitPrefix>:…` (see `rateLimitKey`). */
  rateLimitPrefix: string;
}

export function redisNames(prefix = "portcullis"): RedisNames {
  return {
    prefix,
    snapshotDoc: `${prefix}:snapshot:doc`,
    snapshotVersion: `${prefix}:snapshot:version`,
    snapshotMac: `${prefix}:snapshot:mac`,
    snapshotChannel: `${prefix}:snapshot:published`,
    bullPrefix: `${prefix}:bull`,
    rateLimitPrefix: `${prefix}:rl`,
  };
}

/** Hash: OAuth grant id → when a gateway last served one of its tokens (epoch ms; the Members page). */
export function oauthLastUseKey(names: RedisNames): string {
  return `${names.prefix}:oauth:last-use`;
}

/**
 * The counter of one rate limit for one subject:
 * `<prefix>:rl:<policy id>:<limit id>:<subject ids>` (a sorted set for sliding windows,
 * an integer for daily quotas; both expire on their own).
 */
export function rateLimitKey(names: RedisNames, policyId: string, limitId: string, subject: string): string {
  return `${names.rateLimitPrefix}:${policyId}:${limitId}:${subject}`;
}

/**
 * Approvals (issue 4). The request itself lives in Postgres (the worker persists it); Redis
 * carries what gateways need without Postgres: the decision, and which pending request a
 * retried call belongs to.
 */

/** Pub/sub channel: every decision (approved, denied, expired) as an `approvalDecisionMessage`. */
export function approvalDecisionChannel(names: RedisNames): string {
  return `${names.prefix}:approval:decisions`;
}

/**
 * String (JSON `approvalDecisionMessage`, expires): the decision on one request, set before
 * it is published, so a gateway that subscribes late still finds it.
 */
export function approvalDecisionKey(names: RedisNames, approvalId: string): string {
  return `${names.prefix}:approval:decision:${approvalId}`;
}

/**
 * String (JSON `{ id, expiresAt }`, expires): the pending request of one call, by agent,
 * tool and argument hash, so that the same call retried (after a gateway restart, or on
 * another replica) re-attaches to it instead of asking again.
 */
export function approvalIndexKey(
  names: RedisNames,
  agentId: string,
  toolId: string,
  argumentsHash: string,
): string {
  return `${names.prefix}:approval:index:${agentId}:${toolId}:${argumentsHash}`;
}

/** String (expires): set once when an approved call starts to run, so one approval runs one call. */
export function approvalClaimKey(names: RedisNames, approvalId: string): string {
  return `${names.prefix}:approval:claim:${approvalId}`;
}

/**
 * An MCP session (`Mcp-Session-Id`, 2025-era clients) shared by every gateway replica:
 * `record` is a hash (agent, organization, protocol version) with a sliding TTL, `events` a
 * stream of the messages sent on the session's GET stream (entry ids are the SSE event ids
 * `Last-Event-ID` resumes from), `sessionsIndex` a set of open session ids.
 */
export function sessionKeys(names: RedisNames, sessionId: string) {
  return {
    record: `${names.prefix}:session:${sessionId}`,
    events: `${names.prefix}:session:${sessionId}:events`,
    sessionsIndex: `${names.prefix}:sessions`,
    notified: (what: string) => `${names.prefix}:session:${sessionId}:notified:${what}`,
  };
}

/**
 * A task the gateway runs for a task-augmented `tools/call` (2025-11-25 tasks): `record` is a
 * hash (owner, tool, status, result) expiring with the task's TTL, readable by every replica;
 * `bySubject` the owner's tasks, newest last (tasks/list), so no agent lists another's.
 */
export function taskKeys(names: RedisNames, taskId: string, subjectId: string) {
  return {
    record: `${names.prefix}:task:${taskId}`,
    bySubject: `${names.prefix}:tasks:${subjectId}`,
    /** tasks/update answers received by a replica not running the task, for the one that is. */
    answers: `${names.prefix}:task:${taskId}:answers`,
  };
}

/**
 * Passthrough conversations across gateway processes (`gateway/mcp/passthrough-peers.ts`):
 * `peer(id)` the pub/sub channel of one process, `all` the channel every process hears,
 * `alive(id)` a short-lived key a running process keeps set, `logLevels` a hash of 2025
 * clients' `logging/setLevel` by subject id (a process starting later reads it).
 */
export function passthroughKeys(names: RedisNames) {
  return {
    peer: (processId: string) => `${names.prefix}:passthrough:peer:${processId}`,
    all: `${names.prefix}:passthrough:all`,
    alive: (processId: string) => `${names.prefix}:passthrough:alive:${processId}`,
    logLevels: `${names.prefix}:passthrough:log-levels`,
  };
}
