import { readFileSync } from "node:fs";
import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is: a URL (`redis://host:port/db`) or ioredis options. */
export type RedisConfig = { url: string } | RedisOptions;

/**
 * How every process (gateway, worker, console, CLI) reaches Redis, from the same variables:
 * `REDIS_URL` (`redis://` or, for TLS, `rediss://`, optionally with `user:password@`),
 * `REDIS_USERNAME` / `REDIS_PASSWORD` (an ACL user; win over the URL's), and
 * `REDIS_TLS_CA_FILE` (PEM bundle that signs the server's certificate, for a private CA).
 */
export interface RedisConnectionSettings {
  url: string;
  username?: string;
  password?: string;
  tlsCaFile?: string;
}

/** A bare URL, or a URL with credentials and a CA beside it. */
export type RedisTarget = string | RedisConnectionSettings;

/** The variables each app's env.ts accepts, read into settings (empty strings count as unset). */
export function redisSettingsFrom(env: {
  REDIS_URL: string;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
}): RedisConnectionSettings {
  return {
    url: env.REDIS_URL,
    ...(env.REDIS_USERNAME && { username: env.REDIS_USERNAME }),
    ...(env.REDIS_PASSWORD && { password: env.REDIS_PASSWORD }),
    ...(env.REDIS_TLS_CA_FILE && { tlsCaFile: env.REDIS_TLS_CA_FILE }),
  };
}

/**
 * The connection options for `target`, as `{ url, …ioredis options }` (what ioredis and
 * BullMQ's `connection` both take). A CA file is read here, once, so a bad path fails at
 * boot with its name rather than at the first reconnect.
 */
export function redisConnectionOptions(target: RedisTarget): { url: string } & RedisOptions {
  const settings = typeof target === "string" ? { url: target } : target;
  const tls = settings.url.startsWith("rediss://");
  if (settings.tlsCaFile && !tls) {
    throw new Error("REDIS_TLS_CA_FILE is set but REDIS_URL does not start with rediss:// (TLS)");
  }
  let ca: Buffer | undefined;
  if (settings.tlsCaFile) {
    try {
      ca = readFileSync(settings.tlsCaFile);
    } catch (cause) {
      throw new Error(`REDIS_TLS_CA_FILE ${settings.tlsCaFile} cannot be read: ${(cause as Error).message}`);
    }
  }
  return {
    url: settings.url,
    ...(settings.username !== undefined && { username: settings.username }),
    ...(settings.password !== undefined && { password: settings.password }),
    // rediss:// alone turns TLS on in ioredis; the CA must travel in the options.
    ...(ca && { tls: { ca } }),
  };
}

/** The URL with any password masked, for messages. */
export function redisUrlForDisplay(target: RedisTarget): string {
  const url = typeof target === "string" ? target : target.url;
  return url.replace(
    /\/\/([^@/]*)@/,
    (_, auth: string) => `//${auth.includes(":") ? `${auth.split(":")[0]}:***` : auth}@`,
  );
}

/**
 * Opens an ioredis client for `config`; `overrides` win over anything the caller set,
 * because they encode how the caller must behave (fail fast, block forever…).
 */
export function createRedisClient(config: RedisConfig | RedisTarget, overrides: RedisOptions = {}): Redis {
  const resolved =
    typeof config === "string" || "tlsCaFile" in config ? redisConnectionOptions(config) : config;
  if ("url" in resolved && typeof resolved.url === "string") {
    const { url, ...rest } = resolved;
    return new Redis(url, { ...rest, ...overrides });
  }
  return new Redis({ ...resolved, ...overrides });
}
