import { hashApiKey, looksLikeApiKey } from "@portcullis/auth/api-keys";
import { AppError } from "@portcullis/contracts/errors";
import type { SnapshotAgent, SnapshotKey, SnapshotPerson } from "@portcullis/contracts/snapshot";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";

/**
 * Who is calling: an agent by its API key, or a person through an OAuth client (the token's
 * subject, the client it was issued to and the token's id). Every stage switches on `kind`.
 */
export type AgentIdentity =
  | { kind: "agent"; agent: SnapshotAgent; key: SnapshotKey }
  | {
      kind: "person";
      person: SnapshotPerson;
      client: { id: string; name: string };
      tokenId: string;
      /** The authorization server's grant (the person's consent to this client). */
      grantId: string;
    };
export type PersonIdentity = Extract<AgentIdentity, { kind: "person" }>;

// Hashing is cheap, but agents send the same key on every request: remember recent ones.
const hashCache = new Map<string, string>();
const HASH_CACHE_MAX = 5_000;

function hashOf(token: string): string {
  let hash = hashCache.get(token);
  if (hash === undefined) {
    hash = hashApiKey(token);
    if (hashCache.size >= HASH_CACHE_MAX) hashCache.clear();
    hashCache.set(token, hash);
  }
  return hash;
}

/**
 * Headers this snapshot already resolved to an agent: the snapshot decides, so the answer
 * holds for as long as the snapshot does (a revoked key or a disabled agent is a new
 * version, hence a new map). Only the key's expiry depends on the time; it is checked per call.
 */
const resolvedBySnapshot = new WeakMap<
  CompiledSnapshot,
  Map<string, { identity: AgentIdentity; expiresAtMs: number | null }>
>();

/**
 * Resolves `Authorization: Bearer <agent key>` against the snapshot. A revoked key is not
 * in the snapshot at all, so revocation takes effect as soon as the new version loads.
 */
export function authenticate(
  header: string | undefined,
  snapshot: CompiledSnapshot,
  now = Date.now(),
): AgentIdentity {
  const resolved = header ? resolvedBySnapshot.get(snapshot)?.get(header) : undefined;
  if (resolved && (resolved.expiresAtMs === null || resolved.expiresAtMs > now)) return resolved.identity;
  if (!header)
    throw new AppError(
      "UNAUTHENTICATED",
      "missing Authorization header: send 'Authorization: Bearer <agent key>'",
    );
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match)
    throw new AppError("UNAUTHENTICATED", "malformed Authorization header: expected 'Bearer <agent key>'");
  const token = match[1]!;
  if (!looksLikeApiKey(token))
    throw new AppError("UNAUTHENTICATED", "the bearer token is not a Portcullis agent key");
  const key = snapshot.keysByHash.get(hashOf(token));
  if (!key) throw new AppError("CREDENTIAL_INVALID", "unknown or revoked agent key");
  const expiresAtMs = key.expiresAt === null ? null : Date.parse(key.expiresAt);
  if (expiresAtMs !== null && expiresAtMs <= now) {
    throw new AppError("CREDENTIAL_INVALID", `agent key expired at ${key.expiresAt}`);
  }
  const agent = snapshot.agentsById.get(key.agentId);
  if (!agent) throw new AppError("CREDENTIAL_INVALID", "the agent of this key no longer exists");
  if (agent.status !== "active")
    throw new AppError("CREDENTIAL_INVALID", `agent '${agent.name}' is disabled`);
  const identity: AgentIdentity = { kind: "agent", agent, key };
  let known = resolvedBySnapshot.get(snapshot);
  if (!known) {
    known = new Map();
    resolvedBySnapshot.set(snapshot, known);
  }
  if (known.size >= HASH_CACHE_MAX) known.clear();
  known.set(header, { identity, expiresAtMs });
  return identity;
}
