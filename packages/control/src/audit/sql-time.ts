import { Prisma } from "@portcullis/db/client";

/**
 * `date` as a value for audit_events' `timestamp(3)` columns, which hold UTC (as Prisma
 * writes them). Explicit, so raw queries do not depend on the session's TimeZone.
 */
export function utcTimestamp(date: Date): Prisma.Sql {
  return Prisma.sql`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}
