import type { Db } from "@portcullis/db/client";

export type { Db };

/**
 * The client an interactive transaction hands to its callback. Read-only use cases take
 * a `Tx` so they run both on the plain client and inside a caller's transaction.
 */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** Interactive transactions default to 5 s in Prisma; a whole-installation change may need longer. */
export const LONG_TRANSACTION = { maxWait: 10_000, timeout: 60_000 } as const;
