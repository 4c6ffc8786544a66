import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { Db } from "@portcullis/db/client";
import type { CatalogSyncQueue } from "@portcullis/queues/catalog-sync-queue";
import type { OutboundGuard } from "@portcullis/upstream/outbound-guard";
import type { Redis } from "ioredis";

/** What the routers need from the composition root (the console's tRPC route, or a test). */
export interface ApiDeps {
  db: Db;
  /** Snapshot publishing (document, version, channel). */
  redis: Redis;
  names: RedisNames;
  /** Seals and opens upstream credentials (PORTCULLIS_SECRET_KEY through secretKeyFrom). */
  secretKey: Buffer;
  /** Catalog syncs, and stdio connection tests (run by the worker: the console never starts a program). */
  catalogQueue: Pick<CatalogSyncQueue, "enqueue" | "status" | "testConnection">;
  /** The SSRF guard for the HTTP connection tests the console makes (PORTCULLIS_OUTBOUND_ALLOW). */
  outbound: OutboundGuard;
  /** The gateway's MCP endpoint, for the mcp.json snippet shown with a new key. */
  gatewayUrl?: string;
  /** The console's own base URL, for invitation links. */
  consoleUrl?: string;
}

/** Who is calling: the signed-in user's id from the session (no role, no org: those are read per call). */
export interface ApiSession {
  userId: string;
}

export interface ApiContext extends ApiDeps {
  session: ApiSession | null;
}

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:4000/mcp";
export const DEFAULT_CONSOLE_URL = "http://127.0.0.1:3000";

/**
 * The context of one tRPC call. Cheap on purpose: membership and role are resolved by
 * `orgProcedure` on each call, from the database, not trusted from the session.
 */
export async function createApiContext(deps: ApiDeps, session: ApiSession | null): Promise<ApiContext> {
  return { ...deps, session: session === null ? null : { userId: session.userId } };
}
