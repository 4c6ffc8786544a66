import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { macKey, signPayload, verifyPayload } from "@portcullis/contracts/redis-mac";
import type { Redis } from "ioredis";

/**
 * The config snapshot protocol, both ends. The control plane writes the document and its
 * version together and announces the version on the snapshot channel; gateways learn of
 * it by the channel (or by polling the version key) and read the document. Keys and the
 * channel come from `RedisNames`; the document's schema is `configSnapshot` in contracts.
 *
 * Redis is not trusted with the configuration: the writer stores an HMAC of the document
 * (key derived from PORTCULLIS_SECRET_KEY, purpose "snapshot") beside it, and readers learn
 * whether what they read carries a valid one (`authentic`).
 */

// One script = one atomic step: compare, write document and version together, announce.
// A slower publisher holding an older version can therefore never overwrite a newer one,
// and a reader never sees a version number without its document.
const WRITE_IF_NEWER = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local incoming = tonumber(ARGV[2])
if current >= incoming then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1
`;

/**
 * Stores the snapshot document and version in Redis and publishes the version on the
 * snapshot channel, unless Redis already holds this or a newer version. `secretKey` is the
 * installation's key (`secretKeyFrom(PORTCULLIS_SECRET_KEY)`); the document is signed with it.
 * @returns whether this version was written (false: Redis already had it or a newer one).
 */
export async function writeSnapshotToRedis(
  redis: Redis,
  names: RedisNames,
  version: number,
  documentJson: string,
  secretKey: Buffer,
): Promise<boolean> {
  const written = await redis.eval(
    WRITE_IF_NEWER,
    3,
    names.snapshotDoc,
    names.snapshotVersion,
    names.snapshotMac,
    documentJson,
    String(version),
    names.snapshotChannel,
    signSnapshot(secretKey, documentJson),
  );
  return written === 1;
}

/** The version Redis currently serves, or null when unset or unreadable. */
export async function readRedisSnapshotVersion(redis: Redis, names: RedisNames): Promise<number | null> {
  try {
    const raw = await redis.get(names.snapshotVersion);
    const n = raw === null ? Number.NaN : Number(raw);
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** The MAC the writer stores beside `documentJson` (exported for tests that forge entries). */
export function signSnapshot(secretKey: Buffer, documentJson: string): string {
  return signPayload(macKey(secretKey, "snapshot"), documentJson);
}

/** A published snapshot as a reader finds it: the version key and the document text (parsed by the caller). */
export interface PublishedSnapshotText {
  version: number;
  documentJson: string;
  /** Whether the document carries a valid MAC under the reader's key; never load it when false. */
  authentic: boolean;
}

/**
 * Reads the published snapshot if its version is newer than `heldVersion` and is not
 * `skipVersion` (one the reader already refused). Null when there is nothing new to load.
 * Throws when Redis cannot be reached (the reader keeps what it has).
 */
export async function readSnapshotIfNewer(
  redis: Redis,
  names: RedisNames,
  heldVersion: number,
  skipVersion: number,
  secretKey: Buffer,
): Promise<PublishedSnapshotText | null> {
  const versionText = await redis.get(names.snapshotVersion);
  const version = versionText === null ? -1 : Number(versionText);
  if (version <= heldVersion || version === skipVersion) return null;
  // One MGET: the document and its MAC as one writer left them.
  const [documentJson, mac] = await redis.mget(names.snapshotDoc, names.snapshotMac);
  if (documentJson === null || documentJson === undefined) return null;
  const authentic = verifyPayload(macKey(secretKey, "snapshot"), documentJson, mac);
  return { version, documentJson, authentic };
}

/**
 * Calls `onPublished` whenever a version is announced. `subscriber` must be a connection of
 * its own (SUBSCRIBE puts it in subscriber mode); ioredis re-subscribes after a reconnect.
 */
export async function subscribeToSnapshots(
  subscriber: Redis,
  names: RedisNames,
  onPublished: () => void,
): Promise<void> {
  subscriber.on("message", (channel: string) => {
    if (channel === names.snapshotChannel) onPublished();
  });
  await subscriber.subscribe(names.snapshotChannel);
}
