import type { Db } from "@portcullis/db/client";
import type { OutboundGuard } from "@portcullis/upstream/outbound-guard";
import type { Redis } from "ioredis";
import { type Configuration, errors, type JWK, type KoaContextWithOIDC } from "oidc-provider";
import { clientAdapter } from "./client-adapter";
import { renderRefusalPage } from "./pages";
import { redisAdapterFactory } from "./redis-adapter";
import type { OAuthSettings } from "./settings";

/** The one scope an MCP endpoint asks for; a token without it gets 403 insufficient_scope. */
export const MCP_SCOPE = "mcp";

export interface ProviderDeps {
  db: Db;
  redis: Redis;
  prefix: string;
  signingKeys: JWK[];
  cookieKeys: string[];
  /** The current settings (kept fresh by the server; read synchronously where the library needs it). */
  settings: () => OAuthSettings;
  /** Whether a resource indicator names one of the installation's MCP endpoints. */
  isResource: (resource: string) => boolean;
  /** Client ID Metadata Documents are fetched through the installation's SSRF guard. */
  outbound: OutboundGuard;
}

const isLoopback = (host: string) => host === "localhost" || host === "127.0.0.1" || host === "[::1]";

/**
 * oidc-provider configured as the MCP authorization server: authorization code with PKCE
 * (S256; the library supports no other method), resource indicators that turn into JWT access
 * tokens whose `aud` is exactly the endpoint asked for, rotating refresh tokens (a reused one
 * revokes the whole grant), `iss` in every authorization response, clients registered ahead,
 * by DCR (the installation switch) or by Client ID Metadata Document.
 */
export function providerConfiguration(deps: ProviderDeps): Configuration {
  const redisAdapter = redisAdapterFactory(deps.redis, deps.prefix);
  const clients = clientAdapter(deps.db);
  return {
    adapter: (model: string) => (model === "Client" ? clients : new redisAdapter(model)),
    jwks: { keys: deps.signingKeys },
    cookies: { keys: deps.cookieKeys },
    // `mcp` is listed too so that clients may register and ask for it; the token carrying it is
    // the resource's (getResourceServerInfo), with the endpoint as audience.
    scopes: ["openid", "offline_access", MCP_SCOPE],
    claims: { openid: ["sub"], email: ["email"], profile: ["name"] },
    // A request without `scope` gets the pre-defined default, the MCP scope (RFC 6749 §3.3,
    // OAuth 2.1 §3.2.2.1); without it oidc-provider grants nothing and answers access_denied.
    // An `extraParams` validator runs on every authorization request however it arrives (a
    // GET /auth query, or a form pushed to /request, RFC 9126), after the body is parsed: the
    // library's own recipe for a default scope (recipes/default_scope.md). POST /auth itself
    // stays off (oidc-provider's `enableHttpPostMethods` needs SameSite=None session cookies).
    extraParams: {
      scope(ctx, _value, client) {
        const { params } = ctx.oidc;
        if (!params || params.scope) return;
        // A client registered for other scopes only gets those (the recipe's default).
        const registered = client?.scope?.split(" ");
        params.scope = registered && !registered.includes(MCP_SCOPE) ? client?.scope : MCP_SCOPE;
      },
    },
    pkce: { required: () => true },
    responseTypes: ["code"],
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      id_token_signed_response_alg: "ES256",
    },
    enabledJWA: { idTokenSigningAlgValues: ["ES256"] },
    // Redirect URIs are matched exactly; only loopback may use plain http (native clients).
    extraClientMetadata: {
      properties: ["redirect_uris"],
      validator(_ctx, key, value) {
        if (key !== "redirect_uris" || !Array.isArray(value)) return;
        for (const uri of value as string[]) {
          const url = URL.parse(uri);
          if (!url) throw new errors.InvalidClientMetadata(`redirect_uris: '${uri}' is not a URL`);
          if (url.protocol === "http:" && !isLoopback(url.hostname))
            throw new errors.InvalidClientMetadata(
              "redirect_uris must use https (plain http only on loopback)",
            );
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      clientIdMetadataDocument: {
        enabled: true,
        ack: "draft-02",
        async allowFetch(_ctx, clientId) {
          try {
            deps.outbound.checkUrl(new URL(clientId));
            return true;
          } catch {
            return false;
          }
        },
      },
      resourceIndicators: {
        enabled: true,
        // The token endpoint may omit `resource`: the one consented to is used.
        useGrantedResource: () => true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        async getResourceServerInfo(_ctx, resource) {
          if (!deps.isResource(resource))
            throw new errors.InvalidTarget(`'${resource}' is not an endpoint of this gateway`);
          const { accessTokenTtlSec } = deps.settings();
          return {
            scope: MCP_SCOPE,
            audience: resource,
            accessTokenTTL: accessTokenTtlSec,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    // Every client fetch (CIMD documents) goes through the SSRF guard, never around it.
    fetch: (url, options) => {
      const { dispatcher: _ignored, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return deps.outbound.fetch(url instanceof Request ? url.url : url, rest) as ReturnType<typeof fetch>;
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 90 * 24 * 3600,
      IdToken: 600,
      RefreshToken: () => deps.settings().refreshTokenTtlSec,
    },
    // The claims the gateway needs besides RFC 9068's: which organization and which consent.
    async extraTokenClaims(_ctx: KoaContextWithOIDC, token) {
      const grantId = (token as { grantId?: string }).grantId;
      if (!grantId) return undefined;
      const connection = await deps.db.oAuthConnection.findUnique({ where: { grantId } });
      if (!connection || connection.revokedAt) return undefined;
      return { org_id: connection.orgId, grant_id: grantId, client_name: connection.clientName };
    },
    async findAccount(_ctx, sub) {
      // Removed and suspended people have no account here: their refresh tokens stop working.
      const membership = await deps.db.membership.findFirst({
        where: { userId: sub, suspendedAt: null },
        include: { user: true },
        orderBy: { createdAt: "asc" },
      });
      if (!membership) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: membership.user.email, name: membership.user.name };
        },
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      // Consent is remembered per person and client, until revoked in the console.
      const connection = await deps.db.oAuthConnection.findFirst({
        where: { userId: session.accountId, clientId: client.clientId, revokedAt: null },
        orderBy: { createdAt: "desc" },
      });
      if (!connection) return undefined;
      return (await ctx.oidc.provider.Grant.find(connection.grantId)) ?? undefined;
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = renderRefusalPage("Sign-in failed", `${out.error}: ${out.error_description ?? ""}`);
    },
  };
}
