import type { IncomingMessage } from "node:http";
import { looksLikeApiKey } from "@portcullis/auth/api-keys";
import { AppError, isAppError } from "@portcullis/contracts/errors";
import { queryOf } from "../http/request-path";
import { type AgentIdentity, authenticate } from "../pipeline/authenticate";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import { metadataUrl, type ProtectedResourceConfig, resourceUrl } from "./protected-resource";
import { TokenRefusal, type TokenVerifier } from "./verify-access-token";

export interface GatewayOAuth {
  resource: ProtectedResourceConfig;
  verifier: TokenVerifier;
  /** Told each accepted token's grant (the Members page shows a connection's last use). */
  onUse?: (grantId: string) => void;
}

/** A refused request with the status and `WWW-Authenticate` challenge RFC 6750 §3 asks for. */
export class AuthRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly appError: AppError,
    readonly challenge: string,
  ) {
    super(appError.message);
  }
}

const quoted = (s: string) => s.replaceAll("\\", "'").replaceAll('"', "'");

/**
 * Who is calling, from the request's credentials. Without OAuth configured this is exactly the
 * agent-key check. With OAuth, the challenge names the endpoint's resource metadata: no
 * credentials → 401 without an error code (the client discovers the AS from it); a malformed
 * header → 400 invalid_request; a bad, expired or revoked token → 401 invalid_token; a token
 * without the endpoint's scope → 403 insufficient_scope. Agent keys keep working beside tokens.
 * A token in the query string is refused either way (it would end up in logs and referrers).
 */
export function authenticateCaller(
  req: IncomingMessage,
  snapshot: CompiledSnapshot,
  oauth: GatewayOAuth | null,
  endpointPath: string,
): AgentIdentity | Promise<AgentIdentity> {
  const query = queryOf(req.url ?? "");
  if (query !== undefined && /(^|&)access_token=/.test(query)) {
    throw new AuthRefusal(
      400,
      new AppError(
        "INVALID_INPUT",
        "access tokens in the query string are refused: send 'Authorization: Bearer <token>'",
      ),
      'Bearer error="invalid_request", error_description="access tokens in the query string are refused"',
    );
  }
  const header = req.headers.authorization;
  if (!oauth) return authenticate(header, snapshot);

  const resourceMetadata = `resource_metadata="${metadataUrl(oauth.resource, endpointPath)}"`;
  const scope = oauth.resource.scopes.join(" ");
  if (!header) {
    throw new AuthRefusal(
      401,
      new AppError(
        "UNAUTHENTICATED",
        "missing Authorization header: sign in through your MCP client (OAuth) or send 'Authorization: Bearer <agent key>'",
      ),
      `Bearer ${resourceMetadata}, scope="${scope}"`,
    );
  }
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
  if (!match) {
    throw new AuthRefusal(
      400,
      new AppError("INVALID_INPUT", "malformed Authorization header: expected 'Bearer <token>'"),
      `Bearer ${resourceMetadata}, error="invalid_request", error_description="malformed Authorization header"`,
    );
  }
  const token = match[1]!;
  const invalid = (message: string) =>
    new AuthRefusal(
      401,
      new AppError("CREDENTIAL_INVALID", message),
      `Bearer ${resourceMetadata}, error="invalid_token", error_description="${quoted(message)}"`,
    );

  if (looksLikeApiKey(token)) {
    try {
      return authenticate(header, snapshot);
    } catch (err) {
      throw invalid(isAppError(err) ? err.message : "unknown or revoked agent key");
    }
  }

  return authenticatePerson(snapshot, oauth, endpointPath, token, resourceMetadata, scope, invalid);
}

/**
 * The OAuth half of authenticateCaller: verifying a token is asynchronous. Agent keys are
 * answered without a promise (the snapshot decides them at once), so a call with a key
 * awaits nothing here.
 */
async function authenticatePerson(
  snapshot: CompiledSnapshot,
  oauth: GatewayOAuth,
  endpointPath: string,
  token: string,
  resourceMetadata: string,
  scope: string,
  invalid: (message: string) => AuthRefusal,
): Promise<AgentIdentity> {
  let claims: Awaited<ReturnType<TokenVerifier["verify"]>>;
  try {
    claims = await oauth.verifier.verify(
      token,
      resourceUrl(oauth.resource, endpointPath),
      oauth.resource.scopes,
    );
  } catch (err) {
    if (err instanceof TokenRefusal && err.error === "insufficient_scope") {
      throw new AuthRefusal(
        403,
        new AppError("FORBIDDEN", err.message),
        `Bearer ${resourceMetadata}, error="insufficient_scope", scope="${scope}", error_description="${quoted(err.message)}"`,
      );
    }
    throw invalid(err instanceof TokenRefusal ? err.message : "the access token could not be verified");
  }
  // The snapshot decides whether the person still may: removed → absent, suspended, or this
  // client connection revoked. A new version reaches every gateway within a second.
  const person = snapshot.peopleByOrgAndId.get(`${claims.orgId} ${claims.subject}`);
  if (!person) throw invalid("the token's person is not a member of the organization");
  if (person.status !== "active") throw invalid(`'${person.email}' is suspended`);
  if (snapshot.revokedOAuthGrants.has(claims.grantId))
    throw invalid("this client's connection was revoked; sign in again");
  oauth.onUse?.(claims.grantId);
  return {
    kind: "person",
    person,
    client: { id: claims.clientId, name: claims.clientName },
    tokenId: claims.tokenId,
    grantId: claims.grantId,
  };
}
