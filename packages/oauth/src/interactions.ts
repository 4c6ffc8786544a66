import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { provisionUser } from "@portcullis/control/identity/provision-user";
import type { Db } from "@portcullis/db/client";
import type { Redis } from "ioredis";
import type Provider from "oidc-provider";
import { type BaseClient, generators } from "openid-client";
import { PAGE_HEADERS, renderConsentPage, renderRefusalPage } from "./pages";

export interface InteractionDeps {
  provider: Provider;
  db: Db;
  redis: Redis;
  prefix: string;
  issuer: string;
  /** The organization's OpenID provider (the console's SSO), as a relying party of it. */
  sso: () => Promise<{ client: BaseClient; issuer: string }>;
}

const SSO_STATE_TTL_SEC = 600;
export const SSO_CALLBACK_PATH = "/interaction/sso/callback";

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error("form too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const safeEqual = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The AS's own pages, beside oidc-provider's endpoints:
 * - login: the person signs in at the organization's SSO (the console's OpenID provider), and is
 *   provisioned by the console's rules; anyone the console would refuse is refused here.
 * - consent: names the client, its redirect URI and the endpoints it will reach; the form carries
 *   a per-interaction CSRF token and the pages cannot be framed.
 */
export function interactionHandler(deps: InteractionDeps) {
  const { provider, db, redis, prefix } = deps;
  const stateKey = (state: string) => `${prefix}:oauth:sso-state:${state}`;
  const csrfKey = (uid: string) => `${prefix}:oauth:csrf:${uid}`;

  async function startLogin(uid: string, res: ServerResponse) {
    const { client } = await deps.sso();
    const state = generators.state();
    const nonce = generators.nonce();
    const codeVerifier = generators.codeVerifier();
    await redis.set(stateKey(state), JSON.stringify({ uid, nonce, codeVerifier }), "EX", SSO_STATE_TTL_SEC);
    const url = client.authorizationUrl({
      scope: "openid email profile",
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: "S256",
    });
    res.writeHead(303, { location: url, "cache-control": "no-store" });
    res.end();
  }

  /** Back from the SSO: who it is, then on to the interaction (whose cookie is scoped to its path). */
  async function ssoCallback(req: IncomingMessage, res: ServerResponse) {
    const { client, issuer } = await deps.sso();
    const params = client.callbackParams(req);
    const state = typeof params.state === "string" ? params.state : "";
    const stored = state ? await redis.getdel(stateKey(state)) : null;
    if (!stored)
      return html(res, 400, renderRefusalPage("Sign-in expired", "Start again from your MCP client."));
    const { uid, nonce, codeVerifier } = JSON.parse(stored) as {
      uid: string;
      nonce: string;
      codeVerifier: string;
    };
    const callbackUrl = `${deps.issuer}${SSO_CALLBACK_PATH}`;
    const tokens = await client.callback(callbackUrl, params, { state, nonce, code_verifier: codeVerifier });
    const claims = tokens.claims();
    let userId: string;
    try {
      const member = await provisionUser(db, {
        email: String(claims.email ?? ""),
        name: typeof claims.name === "string" ? claims.name : null,
        emailVerified: claims.email_verified === true,
        provider: "oidc",
        issuer,
        providerAccountId: claims.sub,
      });
      userId = member.userId;
    } catch (err) {
      if (isAppError(err) && err.code === "FORBIDDEN") {
        return html(
          res,
          403,
          renderRefusalPage(
            "You are not a member here",
            `${String(claims.email ?? claims.sub)} is not a member of any organization on this Portcullis. Ask an administrator for an invitation.`,
          ),
        );
      }
      throw err;
    }
    const active = await db.membership.findFirst({ where: { userId, suspendedAt: null } });
    if (!active)
      return html(
        res,
        403,
        renderRefusalPage("Access suspended", "Your membership is suspended. Ask an administrator."),
      );
    await redis.set(`${prefix}:oauth:sso-login:${uid}`, userId, "EX", SSO_STATE_TTL_SEC);
    res.writeHead(303, { location: `/interaction/${uid}/signed-in`, "cache-control": "no-store" });
    res.end();
  }

  async function showConsent(uid: string, req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const accountId = details.session?.accountId;
    if (!accountId) return startLogin(uid, res);
    const client = await provider.Client.find(String(details.params.client_id));
    const user = await db.user.findUnique({ where: { id: accountId } });
    if (!client || !user)
      return html(res, 400, renderRefusalPage("Unknown client", "This client is not registered."));
    const csrf = randomBytes(24).toString("base64url");
    await redis.set(csrfKey(uid), csrf, "EX", SSO_STATE_TTL_SEC);
    const resources = [details.params.resource ?? []].flat().map(String);
    html(
      res,
      200,
      renderConsentPage({
        uid,
        csrf,
        clientName: client.clientName ?? client.clientId,
        clientId: client.clientId,
        redirectUri: String(details.params.redirect_uri),
        resources,
        scopes: String(details.params.scope ?? "")
          .split(" ")
          .filter(Boolean),
        personEmail: user.email,
      }),
    );
  }

  async function submitConsent(uid: string, req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const form = await readForm(req);
    const expected = await redis.getdel(csrfKey(uid));
    if (!expected || !safeEqual(expected, form.get("csrf") ?? ""))
      return html(
        res,
        403,
        renderRefusalPage("Request refused", "The consent form expired or did not come from this page."),
      );
    if (form.get("decision") !== "allow") {
      await provider.interactionFinished(req, res, {
        error: "access_denied",
        error_description: "the person declined",
      });
      return;
    }
    const accountId = details.session?.accountId;
    if (!accountId) return startLogin(uid, res);
    const clientId = String(details.params.client_id);
    const client = await provider.Client.find(clientId);
    const membership = await db.membership.findFirst({
      where: { userId: accountId, suspendedAt: null },
      orderBy: { createdAt: "asc" },
    });
    if (!client || !membership)
      return html(res, 403, renderRefusalPage("Access refused", "No active membership."));
    const resources = [details.params.resource ?? []].flat().map(String);
    const scopes = String(details.params.scope ?? "")
      .split(" ")
      .filter(Boolean);
    const existing = await db.oAuthConnection.findFirst({
      where: { userId: accountId, clientId, revokedAt: null },
      orderBy: { createdAt: "desc" },
    });
    const grant =
      (existing ? await provider.Grant.find(existing.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const oidcScopes = scopes.filter((s) => s === "openid" || s === "offline_access" || s === "mcp");
    if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(" "));
    for (const resource of resources) grant.addResourceScope(resource, "mcp");
    const grantId = await grant.save();
    const redirectUri = String(details.params.redirect_uri);
    if (existing && existing.grantId === grantId) {
      await db.oAuthConnection.update({
        where: { id: existing.id },
        data: {
          resources: [...new Set([...existing.resources, ...resources])],
          scopes: oidcScopes,
        },
      });
    } else {
      await db.oAuthConnection.create({
        data: {
          id: newId("oauthConnection"),
          orgId: membership.orgId,
          userId: accountId,
          clientId,
          clientName: client.clientName ?? clientId,
          redirectUri,
          grantId,
          scopes: oidcScopes,
          resources,
        },
      });
    }
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === SSO_CALLBACK_PATH) return ssoCallback(req, res);
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/[a-z-]+)?$/.exec(path);
    if (!m) return html(res, 404, renderRefusalPage("Not found", "No such page."));
    const uid = m[1]!;
    const action = m[2] ?? "";
    if (req.method === "GET" && action === "") {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login") return startLogin(uid, res);
      return showConsent(uid, req, res);
    }
    if (req.method === "GET" && action === "/signed-in") {
      const userId = await redis.getdel(`${prefix}:oauth:sso-login:${uid}`);
      if (!userId)
        return html(res, 400, renderRefusalPage("Sign-in expired", "Start again from your MCP client."));
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: userId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (req.method === "POST" && action === "/consent") return submitConsent(uid, req, res);
    res.writeHead(405).end();
  };
}
