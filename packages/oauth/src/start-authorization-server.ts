import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@portcullis/db/client";
import type { OutboundGuard } from "@portcullis/upstream/outbound-guard";
import type { Redis } from "ioredis";
import Provider from "oidc-provider";
import { type BaseClient, Issuer } from "openid-client";
import { interactionHandler, SSO_CALLBACK_PATH } from "./interactions";
import { PAGE_HEADERS, renderRefusalPage } from "./pages";
import { providerConfiguration } from "./provider-configuration";
import { DEFAULT_OAUTH_SETTINGS, type OAuthSettings, readOAuthSettings } from "./settings";
import { loadCookieKeys, loadSigningKeys } from "./signing-keys";

export interface AuthorizationServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The issuer URL (OAUTH_ISSUER); defaults to http://<host>:<port>. No path: metadata sits at the root. */
  issuer?: string;
  db: Db;
  redis: Redis;
  prefix: string;
  secretKey: Buffer;
  /** The organization's OpenID provider, the one the console signs people in with. */
  sso: { issuer: string; clientId: string; clientSecret: string };
  /** GATEWAY_PUBLIC_URL: tokens are issued for its MCP endpoints (`/mcp`, `/mcp/<name>`) only. */
  gatewayPublicUrl: string;
  outbound: OutboundGuard;
}

export interface RunningAuthorizationServer {
  issuer: string;
  port: number;
  provider: Provider;
  close(): Promise<void>;
}

const SETTINGS_REFRESH_MS = 1_000;

/**
 * Starts the OAuth authorization server MCP clients sign people in through. The console
 * starts it beside Next.js (oidc-provider needs Node's request and response, which App Router
 * handlers do not give). Sessions, codes and tokens live in Redis; clients and consents in
 * Postgres, so any console replica serves any step.
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<RunningAuthorizationServer> {
  let settings: OAuthSettings = await readOAuthSettings(options.db).catch(() => DEFAULT_OAUTH_SETTINGS);
  const refresh = setInterval(() => {
    readOAuthSettings(options.db)
      .then((s) => {
        settings = s;
      })
      .catch(() => undefined);
  }, SETTINGS_REFRESH_MS);
  refresh.unref();

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end("starting");
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = (options.issuer ?? `http://${options.host}:${port}`).replace(/\/$/, "");

  const gatewayBase = options.gatewayPublicUrl.replace(/\/+$/, "");
  const isResource = (resource: string) =>
    resource.startsWith(`${gatewayBase}/mcp`) &&
    /^\/mcp(\/[A-Za-z0-9][A-Za-z0-9_-]*)?$/.test(resource.slice(gatewayBase.length));

  const provider = new Provider(
    issuer,
    providerConfiguration({
      db: options.db,
      redis: options.redis,
      prefix: options.prefix,
      signingKeys: await loadSigningKeys(options.redis, options.prefix, options.secretKey),
      cookieKeys: await loadCookieKeys(options.redis, options.prefix, options.secretKey),
      settings: () => settings,
      isResource,
      outbound: options.outbound,
    }),
  );
  provider.proxy = true;
  // The DCR switch: registration is refused while it is off, and not advertised.
  provider.use(async (ctx, next) => {
    if (ctx.path === "/reg" && !settings.dynamicRegistration) {
      ctx.status = 403;
      ctx.body = {
        error: "access_denied",
        error_description: "dynamic client registration is turned off on this installation",
      };
      return;
    }
    await next();
    if (ctx.path === "/.well-known/openid-configuration" && !settings.dynamicRegistration && ctx.body) {
      const { registration_endpoint: _off, ...rest } = ctx.body as Record<string, unknown>;
      ctx.body = rest;
    }
  });

  let sso: Promise<{ client: BaseClient; issuer: string }> | null = null;
  const ssoClient = () => {
    sso ??= Issuer.discover(options.sso.issuer).then((found) => ({
      issuer: String(found.metadata.issuer),
      client: new found.Client({
        client_id: options.sso.clientId,
        client_secret: options.sso.clientSecret,
        redirect_uris: [`${issuer}${SSO_CALLBACK_PATH}`],
        response_types: ["code"],
      }),
    }));
    // A failed discovery is retried on the next sign-in.
    sso.catch(() => {
      sso = null;
    });
    return sso;
  };
  const interactions = interactionHandler({
    provider,
    db: options.db,
    redis: options.redis,
    prefix: options.prefix,
    issuer,
    sso: ssoClient,
  });
  const callback = provider.callback();

  handler = (req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (path.startsWith("/interaction/")) {
      interactions(req, res, path).catch((err: unknown) => {
        if (res.headersSent) return res.destroy();
        res.writeHead(400, PAGE_HEADERS);
        res.end(renderRefusalPage("Sign-in failed", err instanceof Error ? err.message : String(err)));
      });
      return;
    }
    // RFC 8414 metadata: the same document as OpenID discovery (the issuer has no path).
    if (path === "/.well-known/oauth-authorization-server") req.url = "/.well-known/openid-configuration";
    callback(req, res);
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    port,
    provider,
    close() {
      clearInterval(refresh);
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
