import { operatorPolicyEnv } from "@portcullis/upstream/operator-policy";
import { z } from "zod";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "./context/sandbox-limits";

const list = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : [],
  );

const schema = z.object({
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Extra Host header values accepted besides localhost/127.0.0.1/[::1] on the bound port (DNS-rebinding guard). */
  GATEWAY_ALLOWED_HOSTS: list,
  /** Browser origins allowed to call the endpoint. Requests without an Origin header (agents) are always allowed. */
  GATEWAY_ALLOWED_ORIGINS: list,
  GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  GATEWAY_SPOOL_DIR: z.string().default(".portcullis/spool"),
  /** Serve /metrics on this port instead of the MCP port (keeps the scrape endpoint off the agents' network). */
  GATEWAY_METRICS_PORT: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  /** The URL clients reach the gateway at; each endpoint's OAuth resource is `<this>/mcp…`. */
  GATEWAY_PUBLIC_URL: z.string().url().optional(),
  /** The console's OAuth authorization server (OAUTH_ISSUER); set, people's tokens are accepted. */
  GATEWAY_OAUTH_ISSUER: z.string().url().optional(),
  /** Its JWKS; default `<issuer>/jwks`. */
  GATEWAY_OAUTH_JWKS_URL: z.string().url().optional(),
  /** Gateway processes: `auto` (one per core) or a count; 1 (the default) serves in this process. */
  GATEWAY_WORKERS: z
    .string()
    .default("1")
    .refine((v) => v === "auto" || /^[1-9]\d*$/.test(v), 'must be "auto" or a positive integer'),
  /** `off` serves every request through the SDK (the lean path for tools/call and tools/list is on by default). */
  GATEWAY_FAST_PATH: z.enum(["on", "off"]).default("on"),
  GATEWAY_SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(30_000),
  /** Slowloris: complete headers within this (ms), the whole request within the next; answers are not bounded. */
  GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Calls are refused once Redis has not confirmed the snapshot for this long (revoked keys must not live on). */
  GATEWAY_MAX_SNAPSHOT_AGE_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** true: keep serving a stale snapshot instead (availability over revocation). */
  GATEWAY_SNAPSHOT_FAIL_OPEN: z
    .enum(["true", "false", ""])
    .default("false")
    .transform((v) => v === "true"),
  /** Unauthenticated requests one client address may make per window before it gets 429s. */
  GATEWAY_UNAUTH_LIMIT: z.coerce.number().int().min(1).default(30),
  GATEWAY_UNAUTH_WINDOW_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Code mode's `execute` bounds (each has its own error): interpreter time per run, ms. */
  GATEWAY_SANDBOX_CPU_MS: z.coerce.number().int().min(1).default(DEFAULT_SANDBOX_LIMITS.cpuMs),
  /** Memory one run may take on top of QuickJS's initial 16 MiB, in MiB. */
  GATEWAY_SANDBOX_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_SANDBOX_LIMITS.memoryBytes / 1024 / 1024),
  /** console output plus the returned value's JSON, bytes. */
  GATEWAY_SANDBOX_OUTPUT_BYTES: z.coerce.number().int().min(1).default(DEFAULT_SANDBOX_LIMITS.outputBytes),
  /** Tool calls one run may make. */
  GATEWAY_SANDBOX_TOOL_CALLS: z.coerce.number().int().min(1).default(DEFAULT_SANDBOX_LIMITS.toolCalls),
  /** Runs at once per gateway process; more are refused as rate limited. */
  GATEWAY_SANDBOX_CONCURRENT_RUNS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_SANDBOX_LIMITS.concurrentRuns),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().min(1).default("portcullis"),
  /** An ACL user and its password for Redis (win over any in REDIS_URL). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed Redis's certificate (with a rediss:// URL). */
  REDIS_TLS_CA_FILE: z.string().optional(),
  PORTCULLIS_SECRET_KEY: z.string().min(32, "PORTCULLIS_SECRET_KEY must be at least 32 characters"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ...operatorPolicyEnv.shape,
});

export type GatewayEnv = z.infer<typeof schema>;

/** Validates the environment once at boot; exits naming every bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    process.stderr.write(`portcullis gateway: invalid environment\n${lines.join("\n")}\n`);
    process.exit(1);
  }
  if (parsed.data.GATEWAY_HEADERS_TIMEOUT_MS > parsed.data.GATEWAY_REQUEST_TIMEOUT_MS) {
    process.stderr.write(
      "portcullis gateway: invalid environment\n  GATEWAY_HEADERS_TIMEOUT_MS: must not exceed GATEWAY_REQUEST_TIMEOUT_MS\n",
    );
    process.exit(1);
  }
  return parsed.data;
}

/** The sandbox bounds the operator set (the stack size stays the built-in one: see sandbox-limits.ts). */
export function sandboxLimitsOf(env: GatewayEnv): SandboxLimits {
  return {
    ...DEFAULT_SANDBOX_LIMITS,
    cpuMs: env.GATEWAY_SANDBOX_CPU_MS,
    memoryBytes: env.GATEWAY_SANDBOX_MEMORY_MB * 1024 * 1024,
    outputBytes: env.GATEWAY_SANDBOX_OUTPUT_BYTES,
    toolCalls: env.GATEWAY_SANDBOX_TOOL_CALLS,
    concurrentRuns: env.GATEWAY_SANDBOX_CONCURRENT_RUNS,
  };
}
