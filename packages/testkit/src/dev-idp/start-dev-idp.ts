import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { checkPassword, DEMO_ACCOUNTS, type DevAccount } from "./accounts";
import { renderErrorPage, renderLoginPage } from "./login-page";
import { memoryAdapterFactory } from "./memory-adapter";

/** A relying party registered at the development provider (the console, or a test's client). */
export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Shown on the login form ("to continue to …"). */
  name?: string;
}

export interface DevIdpOptions {
  /** 0 or omitted picks a free port. */
  port?: number;
  host?: string;
  /** Defaults to `http://<host>:<port>`; set it when the provider sits behind another address. */
  issuer?: string;
  clients: DevIdpClient[];
  accounts?: readonly DevAccount[];
}

export interface RunningDevIdp {
  issuer: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a real OpenID Connect provider (`oidc-provider`) for development and tests:
 * authorization code flow, the `openid email profile` scopes, a password form at its
 * interaction endpoints and no consent screen (every registered client is first-party).
 * State lives in memory and is gone when it stops.
 */
export async function startDevIdp(options: DevIdpOptions): Promise<RunningDevIdp> {
  const host = options.host ?? "127.0.0.1";
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end("starting");
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // The issuer is part of every token; with port 0 it is known only once we listen.
  const issuer = (options.issuer ?? `http://${host}:${port}`).replace(/\/$/, "");

  const provider = new Provider(issuer, providerConfiguration(options.clients, accounts));
  // Behind a TLS-terminating proxy the provider must trust X-Forwarded-*; locally harmless.
  provider.proxy = true;
  const callback = provider.callback();
  const clientNames = new Map(options.clients.map((c) => [c.clientId, c.name ?? c.clientId]));

  handler = (req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (path.startsWith("/interaction/")) {
      handleInteraction(provider, accounts, clientNames, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    callback(req, res);
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function providerConfiguration(clients: DevIdpClient[], accounts: readonly DevAccount[]): Configuration {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    adapter: memoryAdapterFactory(),
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.name ?? c.clientId,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    // A fresh signing key per process: tokens from an earlier run are simply invalid.
    jwks: {
      keys: [
        {
          ...privateKey.export({ format: "jwk" }),
          kid: randomBytes(8).toString("hex"),
          alg: "RS256",
          use: "sig",
        },
      ],
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
    },
    // Put the scope's claims in the ID token too: relying parties such as next-auth read
    // the profile from the ID token without calling userinfo.
    conformIdTokenClaims: false,
    scopes: ["openid", "email", "profile"],
    pkce: { required: () => false },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = renderErrorPage(String(out.error), String(out.error_description ?? ""));
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          return {
            sub: account.sub,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            name: account.name,
          };
        },
      };
    },
    // No consent screen: every client here is first-party, so grant what it asks for.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existingId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const grant =
        (existingId ? await ctx.oidc.provider.Grant.find(existingId) : undefined) ??
        new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      const requested = String(ctx.oidc.params?.scope ?? "openid");
      grant.addOIDCScope(
        requested
          .split(" ")
          .filter((s) => ["openid", "email", "profile"].includes(s))
          .join(" "),
      );
      await grant.save();
      return grant;
    },
    ttl: {
      Session: 8 * 3600,
      Interaction: 3600,
      Grant: 8 * 3600,
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
    },
  };
}

async function handleInteraction(
  provider: Provider,
  accounts: readonly DevAccount[],
  clientNames: Map<string, string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const clientName = clientNames.get(String(details.params.client_id)) ?? "the application";
  const demoEmails = accounts.map((a) => a.email);
  const html = (status: number, body: string) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(body);
  };

  if (req.method === "GET") {
    if (details.prompt.name === "login") {
      return html(200, renderLoginPage({ uid: details.uid, clientName, demoEmails }));
    }
    // Consent is granted by loadExistingGrant; reaching here means the session already has a login.
    await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }

  if (req.method === "POST" && req.url?.endsWith("/login")) {
    const form = new URLSearchParams(await readBody(req));
    const email = form.get("email") ?? "";
    const account = checkPassword(accounts, email, form.get("password") ?? "");
    if (!account) {
      return html(
        401,
        renderLoginPage({
          uid: details.uid,
          clientName,
          email,
          demoEmails,
          error: "Wrong email or password.",
        }),
      );
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  res.writeHead(405).end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error("form too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
