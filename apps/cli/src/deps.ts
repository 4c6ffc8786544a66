import { AppError } from "@portcullis/contracts/errors";
import { type RedisNames, redisNames } from "@portcullis/contracts/redis-keys";
import type { Db } from "@portcullis/db/client";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { Redis } from "ioredis";
import { type CliEnv, requireDatabaseUrl, requireSecretKey } from "./env";

/**
 * The clients a command uses, created on first use and all closed by `close()`. The
 * libraries behind them are imported on first use too: Prisma and the MCP SDK take a
 * second or more to load, and a command that does not need one should not wait for it.
 */
export class CliDeps {
  readonly names: RedisNames;
  private dbClient: Db | undefined;
  private redisClient: Redis | undefined;
  private upstreamPool: UpstreamPool | undefined;

  constructor(private readonly env: CliEnv) {
    this.names = redisNames(env.redisPrefix);
  }

  async db(): Promise<Db> {
    if (!this.dbClient) {
      const url = requireDatabaseUrl(this.env);
      const { createDb } = await import("@portcullis/db/client");
      this.dbClient = createDb(url, { max: 2 });
    }
    return this.dbClient;
  }

  /** The installation key: seals credentials and signs what the CLI publishes to Redis. */
  secretKey(): Buffer {
    return requireSecretKey(this.env);
  }

  async redis(): Promise<Redis> {
    if (!this.redisClient) {
      const { createRedisClient } = await import("@portcullis/queues/redis-config");
      // Fail within seconds when Redis is down instead of queueing commands forever:
      // a CLI user waits at the prompt.
      const redis = createRedisClient(this.env.redis, {
        lazyConnect: true,
        connectTimeout: 3_000,
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => (attempt > 2 ? null : 200),
      });
      redis.on("error", () => {}); // surfaced by the failing command instead
      this.redisClient = redis;
      await redis.connect().catch((cause: unknown) => {
        throw new AppError(
          "UNAVAILABLE",
          `cannot reach Redis at ${withoutCredentials(this.env.redis.url)} (REDIS_URL): ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      });
    }
    return this.redisClient;
  }

  async pool(): Promise<UpstreamPool> {
    if (!this.upstreamPool) {
      const { UpstreamPool } = await import("@portcullis/upstream/pool");
      const { operatorPolicyFrom } = await import("@portcullis/upstream/operator-policy");
      this.upstreamPool = new UpstreamPool({
        clientInfo: { name: "portcullis-cli", version: "0.0.0" },
        ...operatorPolicyFrom(this.env.upstream),
      });
    }
    return this.upstreamPool;
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      this.dbClient?.$disconnect(),
      this.redisClient?.quit().catch(() => this.redisClient?.disconnect()),
      this.upstreamPool?.close(),
    ]);
  }
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
