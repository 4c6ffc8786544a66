import { AppError } from "@portcullis/contracts/errors";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { readRedisSnapshotVersion, writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import type { Redis } from "ioredis";
import { canonicalJson } from "../canonical-json";
import { type Db, LONG_TRANSACTION } from "../db";
import { compileForPublish, newPublishCache, type PublishCache } from "./compile-for-publish";

// Arbitrary constant naming "the snapshot version counter" among advisory locks; advisory
// locks are per database, so installations sharing a Postgres server do not contend.
const SNAPSHOT_VERSION_LOCK = 7_150_512_301;

// What publishing compiled, by database client, reused by the next publish where its rows
// did not change (compile-for-publish.ts); a client is one installation, so caches never mix.
const publishCaches = new WeakMap<Db, PublishCache>();

export interface PublishMeta {
  /** The installation key (`secretKeyFrom(PORTCULLIS_SECRET_KEY)`): gateways load only documents signed with it. */
  secretKey: Buffer;
  createdBy?: string;
  summary?: string;
}

export interface PublishedSnapshot {
  version: number;
  hash: string;
}

/**
 * Compiles the installation into the next snapshot version, stores it in Postgres, then
 * writes it to Redis and announces it on the snapshot channel.
 *
 * Versions are allocated under a transaction-scoped advisory lock, so concurrent
 * publishers get distinct, increasing versions and each compiles what was committed
 * before it. Postgres is the record: if Redis is unreachable the row is kept and an
 * UNAVAILABLE error says so; the next publish (or `republishLatest`) catches Redis up.
 *
 * The document is encoded once (compile-for-publish.ts), recompiling only the tools and
 * the pieces whose rows changed since this process last published, and that one text is
 * what Postgres stores, the hash covers and Redis serves.
 */
export async function publishSnapshot(
  db: Db,
  redis: Redis,
  names: RedisNames,
  meta: PublishMeta,
): Promise<PublishedSnapshot> {
  // If the database was reset while Redis kept serving a later version, counting from
  // the database alone would publish versions Redis refuses as "older"; start above both.
  const redisVersion = await readRedisSnapshotVersion(redis, names);
  const stored = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SNAPSHOT_VERSION_LOCK}::bigint)`;
    const last = await tx.configSnapshot.findFirst({
      orderBy: { version: "desc" },
      select: { version: true },
    });
    const version = Math.max(last?.version ?? 0, redisVersion ?? 0) + 1;
    const { json, hash } = await compileForPublish(tx, version, publishCacheOf(db));
    // Raw, with the text already encoded: Prisma's create would serialize the document again
    // and send it as a parameter tree, which cost more than compiling did. The column is
    // json (migration 20261204120000), so Postgres keeps this text rather than rebuilding it.
    await tx.$executeRaw`
      INSERT INTO config_snapshots (version, hash, document, summary, created_by)
      VALUES (${version}, ${hash}, ${json}::json, ${meta.summary ?? null}, ${meta.createdBy ?? null})`;
    return { version, hash, json };
  }, LONG_TRANSACTION);

  await pushToRedis(redis, names, stored.version, stored.json, meta.secretKey);
  return { version: stored.version, hash: stored.hash };
}

function publishCacheOf(db: Db): PublishCache {
  let cache = publishCaches.get(db);
  if (cache === undefined) {
    cache = newPublishCache();
    publishCaches.set(db, cache);
  }
  return cache;
}

/**
 * Makes sure Redis serves the latest stored snapshot (at boot, or after Redis lost its
 * data). Publishes a first snapshot when none was ever stored.
 * @returns the latest version and whether Redis had to be updated.
 */
export async function republishLatest(
  db: Db,
  redis: Redis,
  names: RedisNames,
  secretKey: Buffer,
): Promise<PublishedSnapshot & { written: boolean }> {
  const latest = await db.configSnapshot.findFirst({ orderBy: { version: "desc" } });
  if (!latest) {
    const first = await publishSnapshot(db, redis, names, {
      secretKey,
      createdBy: "system",
      summary: "first snapshot",
    });
    return { ...first, written: true };
  }
  const written = await pushToRedis(redis, names, latest.version, canonicalJson(latest.document), secretKey);
  return { version: latest.version, hash: latest.hash, written };
}

async function pushToRedis(
  redis: Redis,
  names: RedisNames,
  version: number,
  json: string,
  secretKey: Buffer,
): Promise<boolean> {
  try {
    return await writeSnapshotToRedis(redis, names, version, json, secretKey);
  } catch (cause) {
    throw new AppError(
      "UNAVAILABLE",
      `snapshot v${version} is stored in Postgres but could not be written to Redis ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); gateways keep the previous ` +
        "version until the next publish (`portcullis snapshot publish`)",
      { details: { version }, cause },
    );
  }
}
