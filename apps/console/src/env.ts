import { operatorPolicyEnv } from "@portcullis/upstream/operator-policy";
import { z } from "zod";

const url = z.string().url();

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().min(1).default("portcullis"),
  /** An ACL user and its password for Redis (win over any in REDIS_URL). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed Redis's certificate (with a rediss:// URL). */
  REDIS_TLS_CA_FILE: z.string().optional(),
  PORTCULLIS_SECRET_KEY: z.string().min(32, "must be at least 32 characters"),
  /** The console's own public URL (next-auth builds its callback URL from it). */
  NEXTAUTH_URL: url.default("http://127.0.0.1:3000"),
  /** Encrypts the session cookie (a JWT). At least 32 random characters. */
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** Any OpenID Connect provider: its issuer URL (discovery at /.well-known/openid-configuration). */
  OIDC_ISSUER: url.default("http://127.0.0.1:4100"),
  OIDC_CLIENT_ID: z.string().min(1).default("portcullis-console"),
  OIDC_CLIENT_SECRET: z.string().min(1).default("portcullis-dev-client-secret"),
  /** Shown on the login page: "Sign in with <name>". */
  OIDC_PROVIDER_NAME: z.string().min(1).default("Portcullis dev SSO"),
  /** Seconds a sign-in lasts, counted from the sign-in (not sliding). Default 8 hours. */
  SESSION_MAX_AGE: z.coerce
    .number()
    .int()
    .min(60)
    .default(8 * 3600),
  /** The gateway URL agents use; goes into the mcp.json snippet shown with a new key. */
  GATEWAY_PUBLIC_URL: url.default("http://127.0.0.1:4000"),
  /**
   * The OAuth authorization server MCP clients sign people in through (issue 11). Set, the
   * console starts it on OAUTH_HOST:OAUTH_PORT (default: the issuer's port); its SSO sign-in is
   * the console's OIDC client, with <OAUTH_ISSUER>/interaction/sso/callback registered too.
   */
  OAUTH_ISSUER: url.optional(),
  OAUTH_HOST: z.string().default("127.0.0.1"),
  OAUTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** SSRF allowlist for the connection tests the console makes (stdio tests run in the worker). */
  PORTCULLIS_OUTBOUND_ALLOW: operatorPolicyEnv.shape.PORTCULLIS_OUTBOUND_ALLOW,
});

export type ConsoleEnv = z.infer<typeof schema>;

let cached: ConsoleEnv | undefined;

/**
 * The console's validated configuration. Read lazily, on the first request, because
 * `next build` loads route modules without the runtime environment; the first request
 * then fails naming every bad variable.
 */
export function env(): ConsoleEnv {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`portcullis console: invalid environment: ${lines.join("; ")}`);
  }
  cached = parsed.data;
  return cached;
}
