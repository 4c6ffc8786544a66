import type { GatewayOAuth } from "./authenticate-caller";
import { MCP_SCOPES } from "./scopes";
import { createTokenVerifier } from "./verify-access-token";

/**
 * The OAuth side of the gateway from its settings: on when the AS issuer is set (the gateway
 * then also needs its public URL, which names every endpoint as a resource).
 */
export function gatewayOAuthFrom(settings: {
  publicUrl: string | undefined;
  issuer: string | undefined;
  jwksUrl: string | undefined;
}): GatewayOAuth | undefined {
  if (!settings.issuer) return undefined;
  if (!settings.publicUrl)
    throw new Error("GATEWAY_OAUTH_ISSUER needs GATEWAY_PUBLIC_URL (the resource's URL)");
  const issuer = settings.issuer.replace(/\/$/, "");
  return {
    resource: { publicUrl: settings.publicUrl, issuer, scopes: MCP_SCOPES },
    verifier: createTokenVerifier({ issuer, jwksUrl: settings.jwksUrl ?? `${issuer}/jwks` }),
  };
}
