import { z } from "zod";

const isLoopback = (host: string) => host === "localhost" || host === "127.0.0.1" || host === "[::1]";

/** A redirect URI an authorization server may send codes to: https, or http on loopback only. */
export const oauthRedirectUri = z
  .string()
  .url()
  .refine((uri) => {
    const url = new URL(uri);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  }, "must use https (plain http only on loopback: 127.0.0.1, [::1], localhost)");

/** A client registered ahead of time (public, PKCE; no secret). */
export const oauthClientConfig = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "letters, digits, '.', '_' and '-' (at most 100)")
      .describe("the client_id the MCP client is configured with"),
    name: z.string().min(1).max(200).describe("shown on the consent page and the Members page"),
    redirectUris: z.array(oauthRedirectUri).min(1).describe("matched exactly"),
  })
  .strict();
export type OAuthClientConfig = z.infer<typeof oauthClientConfig>;

/**
 * The authorization server MCP clients sign people in through (installation-wide). Absent
 * from a file: left as it is. Present: the settings are exactly these (omitted ones take their
 * defaults) and the pre-registered clients exactly this list (clients registered by DCR stay).
 */
export const oauthConfig = z
  .object({
    dynamicClientRegistration: z
      .boolean()
      .default(false)
      .describe("let any MCP client register itself (RFC 7591); off by default"),
    accessTokenTtl: z
      .number()
      .int()
      .min(60)
      .max(24 * 3600)
      .default(600)
      .describe("access-token lifetime in seconds (default 600: 10 minutes)"),
    refreshTokenTtl: z
      .number()
      .int()
      .min(300)
      .max(365 * 24 * 3600)
      .default(14 * 24 * 3600)
      .describe("refresh-token lifetime in seconds (default 14 days); each use rotates it"),
    clients: z.array(oauthClientConfig).default([]).describe("pre-registered clients"),
  })
  .strict();
export type OAuthConfig = z.infer<typeof oauthConfig>;
