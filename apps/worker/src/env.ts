import { AppError } from "@portcullis/contracts/errors";
import { type OperatorPolicyEnv, operatorPolicyEnv } from "@portcullis/upstream/operator-policy";
import { z } from "zod";

const workerEnv = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  /** Everything this installation keeps in Redis lives under this prefix. */
  REDIS_PREFIX: z.string().min(1).default("portcullis"),
  /** An ACL user and its password for Redis (win over any in REDIS_URL). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed Redis's certificate (with a rediss:// URL). */
  REDIS_TLS_CA_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Audit batches written at once; each holds a Postgres connection while it runs. */
  AUDIT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  /**
   * Serves /metrics, /healthz and /readyz on this port (Prometheus, Kubernetes probes).
   * Unset or empty: no HTTP server.
   */
  WORKER_METRICS_PORT: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  /** The address the metrics port binds to (0.0.0.0 in a container). Default 127.0.0.1. */
  WORKER_METRICS_HOST: z.string().min(1).optional(),
  /** Days audit events are kept; the hourly audit.retention job deletes older ones. 0 keeps them forever. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  /** Pause between folds of new audit events into the dashboard's rollups. */
  AUDIT_ROLLUP_EVERY_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often the audit and admin chains are verified and their heads HMAC-checkpointed (needs PORTCULLIS_SECRET_KEY). */
  AUDIT_CHECKPOINT_EVERY_MS: z.coerce.number().int().min(1_000).default(600_000),
  /**
   * Opens upstream credentials for catalog sync and the sealed team webhook URLs approval
   * notifications are posted to. Without it (the worker says so at boot) catalog.sync jobs
   * wait until a worker that has it starts, and webhook posts fail (audited as
   * approval.notify_failed).
   */
  PORTCULLIS_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * The console's public URL (its NEXTAUTH_URL): team webhook messages link to the request
   * there (`<url>/approvals?id=…`). Without it they carry no link.
   */
  PORTCULLIS_CONSOLE_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+/, "must be an http(s):// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
});

export type WorkerEnv = z.infer<typeof workerEnv>;

/**
 * Reads and validates the worker's configuration. Fails at boot, naming every bad
 * variable, rather than at the first job.
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  const parsed = workerEnv.safeParse(source);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new AppError("INVALID_INPUT", `invalid worker environment: ${problems.join("; ")}`, {
    details: { variables: parsed.error.issues.map((issue) => issue.path.join(".")) },
  });
}

/**
 * The operator's outbound settings (PORTCULLIS_OUTBOUND_ALLOW, PORTCULLIS_STDIO_*), read
 * apart from the rest: the same variables, validated the same way, in every process.
 */
export function loadOperatorPolicyEnv(
  source: Record<string, string | undefined> = process.env,
): OperatorPolicyEnv {
  const parsed = operatorPolicyEnv.safeParse(source);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new AppError("INVALID_INPUT", `invalid worker environment: ${problems.join("; ")}`, {
    details: { variables: parsed.error.issues.map((issue) => issue.path.join(".")) },
  });
}
