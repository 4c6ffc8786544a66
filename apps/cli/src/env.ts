import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { AppError } from "@portcullis/contracts/errors";
import { type RedisConnectionSettings, redisSettingsFrom } from "@portcullis/queues/redis-config";
import { type OperatorPolicyEnv, operatorPolicyEnv } from "@portcullis/upstream/operator-policy";
import { z } from "zod";

/** `.env` at the repository root, loaded when present; variables already set win over it. */
const DOT_ENV = fileURLToPath(new URL("../../../.env", import.meta.url));

const schema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().min(1).default("portcullis"),
  /** An ACL user and its password for Redis (win over any in REDIS_URL). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed Redis's certificate (with a rediss:// URL). */
  REDIS_TLS_CA_FILE: z.string().optional(),
  PORTCULLIS_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  DEBUG: z.string().optional(),
  ...operatorPolicyEnv.shape,
});

export interface CliEnv {
  databaseUrl: string | undefined;
  /** REDIS_URL with REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS_CA_FILE. */
  redis: RedisConnectionSettings;
  redisPrefix: string;
  secretKey: Buffer | undefined;
  debug: boolean;
  /** The operator's SSRF allowlist and stdio launch policy, for catalog syncs run by the CLI. */
  upstream: OperatorPolicyEnv;
  /** The whole environment, for `{ env: NAME }` secret references in config files. */
  vars: Record<string, string | undefined>;
}

/**
 * Reads and validates the CLI's environment, failing fast with the variable's name.
 * Variables only some commands need are optional here; `requireDatabaseUrl` and
 * `requireSecretKey` make them mandatory where they are used.
 */
export function loadEnv(): CliEnv {
  if (existsSync(DOT_ENV)) process.loadEnvFile(DOT_ENV);
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new AppError("INVALID_INPUT", `invalid environment: ${lines.join("; ")}`);
  }
  const env = parsed.data;
  return {
    databaseUrl: env.DATABASE_URL,
    redis: redisSettingsFrom(env),
    redisPrefix: env.REDIS_PREFIX,
    secretKey: env.PORTCULLIS_SECRET_KEY === undefined ? undefined : secretKeyFrom(env.PORTCULLIS_SECRET_KEY),
    debug: env.DEBUG !== undefined && env.DEBUG !== "" && env.DEBUG !== "0",
    upstream: env,
    vars: { ...process.env },
  };
}

export function requireDatabaseUrl(env: CliEnv): string {
  if (env.databaseUrl === undefined) {
    throw new AppError(
      "INVALID_INPUT",
      "DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/portcullis, in the environment or .env)",
    );
  }
  return env.databaseUrl;
}

export function requireSecretKey(env: CliEnv): Buffer {
  if (env.secretKey === undefined) {
    throw new AppError(
      "INVALID_INPUT",
      "PORTCULLIS_SECRET_KEY is not set (at least 32 characters; it seals upstream credentials, keep it stable)",
    );
  }
  return env.secretKey;
}
