import type { ApiDeps } from "@portcullis/api/context";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { CatalogSyncQueue } from "@portcullis/queues/catalog-sync-queue";
import {
  createRedisClient,
  redisConnectionOptions,
  redisSettingsFrom,
} from "@portcullis/queues/redis-config";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { env } from "../env";
import { db } from "./db";

const globalForDeps = globalThis as unknown as { portcullisApiDeps?: ApiDeps };

/** The tRPC routers' dependencies, created once per server process on first use. */
export function apiDeps(): ApiDeps {
  if (globalForDeps.portcullisApiDeps) return globalForDeps.portcullisApiDeps;
  const e = env();
  const names = redisNames(e.REDIS_PREFIX);
  // Fail fast while Redis is down: the admin sees an error instead of a request that hangs.
  const redisTarget = redisSettingsFrom(e);
  const redis = createRedisClient(redisTarget, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
  });
  redis.on("error", () => {});
  globalForDeps.portcullisApiDeps = {
    db: db(),
    redis,
    names,
    secretKey: secretKeyFrom(e.PORTCULLIS_SECRET_KEY),
    catalogQueue: new CatalogSyncQueue({ redis: redisConnectionOptions(redisTarget), names }),
    outbound: createOutboundGuard(e.PORTCULLIS_OUTBOUND_ALLOW),
    gatewayUrl: `${e.GATEWAY_PUBLIC_URL.replace(/\/$/, "")}/mcp`,
    consoleUrl: e.NEXTAUTH_URL,
  };
  return globalForDeps.portcullisApiDeps;
}
