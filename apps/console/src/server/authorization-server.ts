import { startAuthorizationServer } from "@portcullis/oauth/start-authorization-server";
import { env } from "../env";
import { apiDeps } from "./api-deps";

const globalForAs = globalThis as unknown as { portcullisAuthorizationServer?: Promise<unknown> };

/**
 * Starts the OAuth authorization server (packages/oauth) when OAUTH_ISSUER is set: a Node HTTP
 * server of its own beside Next.js, because oidc-provider needs Node's request and response
 * objects. It shares the console's Postgres, Redis, secret key, SSO client and SSRF guard.
 */
export async function startConsoleAuthorizationServer(): Promise<void> {
  const e = env();
  if (!e.OAUTH_ISSUER || globalForAs.portcullisAuthorizationServer) return;
  const deps = apiDeps();
  const issuer = new URL(e.OAUTH_ISSUER);
  globalForAs.portcullisAuthorizationServer = startAuthorizationServer({
    host: e.OAUTH_HOST,
    port: e.OAUTH_PORT ?? Number(issuer.port || (issuer.protocol === "https:" ? 443 : 80)),
    issuer: e.OAUTH_ISSUER,
    db: deps.db,
    redis: deps.redis,
    prefix: deps.names.prefix,
    secretKey: deps.secretKey,
    sso: { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET },
    gatewayPublicUrl: e.GATEWAY_PUBLIC_URL,
    outbound: deps.outbound,
  }).then((as) => {
    process.stdout.write(`OAuth authorization server for MCP clients at ${as.issuer}\n`);
    return as;
  });
  await globalForAs.portcullisAuthorizationServer;
}
