import { z } from "zod";

const list = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined,
  );

const schema = z.object({
  DEV_IDP_HOST: z.string().default("127.0.0.1"),
  DEV_IDP_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  /** The issuer URL tokens carry; defaults to http://<host>:<port>. */
  DEV_IDP_ISSUER: z.string().url().optional(),
  /** The console's client registration; the console reads the same two variables. */
  OIDC_CLIENT_ID: z.string().min(1).default("portcullis-console"),
  OIDC_CLIENT_SECRET: z.string().min(8).default("portcullis-dev-client-secret"),
  DEV_IDP_REDIRECT_URIS: list,
  DEV_IDP_POST_LOGOUT_REDIRECT_URIS: list,
  /** Where the console lives, to derive the default redirect URIs. */
  NEXTAUTH_URL: z.string().url().default("http://127.0.0.1:3000"),
  /** The console's OAuth authorization server (its SSO callback is registered too). */
  OAUTH_ISSUER: z.string().url().default("http://127.0.0.1:3100"),
});

export type DevIdpEnv = z.infer<typeof schema>;

/** Validates the environment once at boot; exits naming every bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): DevIdpEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    process.stderr.write(`portcullis dev-idp: invalid environment\n${lines.join("\n")}\n`);
    process.exit(1);
  }
  return parsed.data;
}
