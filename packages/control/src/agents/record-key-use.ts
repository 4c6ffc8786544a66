import type { AuditEvent } from "@portcullis/contracts/audit";
import { Prisma } from "@portcullis/db/client";
import type { Db } from "../db";

/** A key's `lastUsedAt` moves at most this often: one write per key per minute, however busy. */
export const KEY_USE_THROTTLE_MS = 60_000;

/**
 * Records when agent keys were last used, from a batch of audit events (the gateway has no
 * database; each event names its key). One UPDATE per batch, and a key's row is written
 * only when its stored `lastUsedAt` is more than KEY_USE_THROTTLE_MS older, so a busy
 * agent costs one row write a minute. Never moves `lastUsedAt` backwards.
 * @returns how many keys were updated.
 */
export async function recordKeyUse(db: Db, events: readonly AuditEvent[]): Promise<number> {
  const latest = new Map<string, string>();
  for (const event of events) {
    if (!event.keyId) continue;
    const seen = latest.get(event.keyId);
    if (seen === undefined || event.occurredAt > seen) latest.set(event.keyId, event.occurredAt);
  }
  if (latest.size === 0) return 0;
  const rows = Prisma.join(
    [...latest].map(([id, at]) => Prisma.sql`(${id}, (${at}::timestamptz AT TIME ZONE 'UTC'))`),
  );
  return db.$executeRaw`
    UPDATE api_keys AS k SET last_used_at = used.at
      FROM (VALUES ${rows}) AS used(id, at)
     WHERE k.id = used.id
       AND (k.last_used_at IS NULL OR k.last_used_at < used.at - ${KEY_USE_THROTTLE_MS} * interval '1 millisecond')`;
}
