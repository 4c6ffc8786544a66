import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";

/**
 * Access tokens the gateway accepts are JWTs (RFC 9068) signed by the authorization server
 * with an asymmetric key from its JWKS. Symmetric algorithms are refused outright: with HS256
 * the "secret" would be whatever key material an attacker can name — the public key included.
 */
export const ACCEPTED_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"];

export interface AccessTokenClaims {
  subject: string;
  orgId: string;
  clientId: string;
  clientName: string;
  grantId: string;
  tokenId: string;
  scopes: string[];
}

/** Why a token was refused; `insufficient_scope` is told apart (403, not 401). */
export class TokenRefusal extends Error {
  constructor(
    readonly error: "invalid_token" | "insufficient_scope",
    message: string,
  ) {
    super(message);
  }
}

export interface TokenVerifier {
  verify(token: string, audience: string, requiredScopes: readonly string[]): Promise<AccessTokenClaims>;
}

/**
 * Verifies tokens against the issuer's JWKS, fetched on first use and cached; an unknown
 * `kid` refetches it (rate-limited by jose's cooldown), so the AS can rotate keys.
 */
export function createTokenVerifier(options: { issuer: string; jwksUrl: string }): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return {
    async verify(token, audience, requiredScopes) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience,
          algorithms: ACCEPTED_ALGORITHMS,
          typ: "at+jwt",
          requiredClaims: ["exp", "iat", "sub", "jti", "client_id"],
          clockTolerance: 5,
        }));
      } catch (err) {
        throw new TokenRefusal("invalid_token", describe(err, audience));
      }
      const claim = (name: string) => (typeof payload[name] === "string" ? (payload[name] as string) : null);
      // aud may be an array; exactly one resource: the endpoint asked for (RFC 8707).
      if (Array.isArray(payload.aud) && payload.aud.length !== 1)
        throw new TokenRefusal("invalid_token", "the token names more than one audience");
      const orgId = claim("org_id");
      const grantId = claim("grant_id");
      if (!orgId || !grantId)
        throw new TokenRefusal("invalid_token", "the token carries no organization or grant");
      const scopes = (claim("scope") ?? "").split(" ").filter(Boolean);
      const missing = requiredScopes.filter((s) => !scopes.includes(s));
      if (missing.length > 0)
        throw new TokenRefusal("insufficient_scope", `the token lacks the scope ${missing.join(" ")}`);
      return {
        subject: payload.sub as string,
        orgId,
        clientId: claim("client_id") as string,
        clientName: claim("client_name") ?? (claim("client_id") as string),
        grantId,
        tokenId: payload.jti as string,
        scopes,
      };
    },
  };
}

function describe(err: unknown, audience: string): string {
  if (err instanceof errors.JWTExpired) return "the access token has expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return `the access token is not for this resource (${audience})`;
    if (err.claim === "iss") return "the access token is from another issuer";
    return `the access token's '${err.claim}' claim is invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "the access token's signing algorithm is not accepted";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the access token's signature is invalid";
  if (err instanceof errors.JWKSNoMatchingKey) return "the access token is not signed by a key of the issuer";
  if (err instanceof errors.JOSEError) return `the access token is invalid (${err.code})`;
  return "the access token could not be verified";
}
