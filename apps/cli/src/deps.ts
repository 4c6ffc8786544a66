import { redisNames } from "@portcullis/contracts/redis-keys";
import { createDb, type Db } from "@portcullis/db/client";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { Redis } from "ioredis";
import { type CliEnv, requireDatabaseUrl } from "./env";

/**
 * The clients a command uses, created on first use and all closed by `close()`, so a
 * command that never touches Redis neither connects to it nor waits for it.
 */
export class CliDeps {
  private dbClient: Db | undefined;
  private redisClient: Redis | undefined;
  private upstreamPool: UpstreamPool | undefined;
  readonly names;

  constructor(private readonly env: CliEnv) {
    this.names = redisNames(env.redisPrefix);
  }

  get db(): Db {
    this.dbClient ??= createDb(requireDatabaseUrl(this.env), { max: 2 });
    return this.dbClient;
  }

  get redis(): Redis {
    if (!this.redisClient) {
      // Fail within seconds when Redis is down instead of queueing commands forever:
      // a CLI user waits at the prompt.
      const redis = new Redis(this.env.redisUrl, {
        lazyConnect: true,
        connectTimeout: 3_000,
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => (attempt > 2 ? null : 200),
      });
      redis.on("error", () => {}); // surfaced by the failing command instead
      this.redisClient = redis;
    }
    return this.redisClient;
  }

  get pool(): UpstreamPool {
    this.upstreamPool ??= new UpstreamPool({ clientInfo: { name: "portcullis-cli", version: "0.0.0" } });
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
