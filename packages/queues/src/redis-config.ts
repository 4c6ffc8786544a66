import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is: a URL (`redis://host:port/db`) or ioredis options. */
export type RedisConfig = { url: string } | RedisOptions;

/**
 * Opens an ioredis client for `config`; `overrides` win over anything the caller set,
 * because they encode how the caller must behave (fail fast, block forever…).
 */
export function createRedisClient(config: RedisConfig, overrides: RedisOptions = {}): Redis {
  if ("url" in config && typeof config.url === "string") {
    const { url, ...rest } = config;
    return new Redis(url, { ...rest, ...overrides });
  }
  return new Redis({ ...config, ...overrides });
}
