import { createHash, createHmac, createPublicKey, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { oauthLastUseKey } from "@portcullis/contracts/redis-keys";
import type { SnapshotAgent } from "@portcullis/contracts/snapshot";
import { revokeOAuthConnection } from "@portcullis/control/oauth/revoke-connection";
import { endGrantState } from "@portcullis/oauth/redis-adapter";
import { loadSigningKeys } from "@portcullis/oauth/signing-keys";
import {
  type RunningAuthorizationServer,
  startAuthorizationServer,
} from "@portcullis/oauth/start-authorization-server";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { DEMO_PASSWORD } from "@portcullis/testkit/dev-idp/accounts";
import { type RunningDevIdp, startDevIdp } from "@portcullis/testkit/dev-idp/start-dev-idp";
import { CookieJar } from "@portcullis/testkit/dev-idp/testing/cookie-jar";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { MemoryOAuthClient } from "@portcullis/testkit/oauth-client";
import { freePort } from "@portcullis/testkit/ports";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayOAuthFrom } from "./oauth/gateway-oauth";
import { type CimdHost, guardTrusting, startCimdHost } from "./testing/cimd-host";
import { type GatewayHarness, startGatewayHarness, waitForVersion } from "./testing/gateway-harness";
import { spawnGatewayProcess } from "./testing/gateway-process";
import { authorizeInChromium, authorizeOverHttp } from "./testing/oauth-client";

const SECRET = secretKeyFrom("oauth-tests-secret-key-0123456789abcdef0123");
const PERSON_ID = "usr_oauthmember";
const EMAIL = "member@example.com";

let upstream: FixtureServer;
let h: GatewayHarness;
let idp: RunningDevIdp;
let as: RunningAuthorizationServer;
let tdb: TestDatabase;
let agentKey: string;
let callback: { server: Server; url: string };
let gatewayUrl: string;
let cimd: CimdHost;
beforeAll(async () => {
  upstream = await startLegacyHttpServer();
  tdb = await createTestDatabase({ name: "oauth" });
  const [gatewayPort, asPort] = [await freePort(), await freePort()];
  const asIssuer = `http://127.0.0.1:${asPort}`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  idp = await startDevIdp({
    clients: [
      {
        clientId: "portcullis-oauth",
        clientSecret: "oauth-sso-secret",
        redirectUris: [`${asIssuer}/interaction/sso/callback`],
        name: "Portcullis",
      },
    ],
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  let agent!: SnapshotAgent;
  h = await startGatewayHarness({
    port: gatewayPort,
    oauth: gatewayOAuthFrom({
      publicUrl: `http://127.0.0.1:${gatewayPort}`,
      issuer: asIssuer,
      jwksUrl: undefined,
    }),
    configure: async (b) => {
      const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      b.person(PERSON_ID, EMAIL, ["platform"]);
      b.grant({ team: "platform" }, server, "echo");
      agent = b.agent("ci-bot", "robots");
      b.grant({ team: "robots" }, server, "add");
    },
  });
  agentKey = h.builder.key(agent).key;
  await waitForVersion(h.gateway, await h.publish());
  await pool.close();
  // The person exists in the console's database (as the demo seed leaves them): signing in claims them.
  await tdb.db.organization.create({ data: { id: h.builder.orgId, name: "Acme", slug: "acme" } });
  await tdb.db.user.create({ data: { id: PERSON_ID, email: EMAIL, name: "Max Member" } });
  await tdb.db.membership.create({
    data: { id: "mem_oauth", orgId: h.builder.orgId, userId: PERSON_ID, role: "member" },
  });
  await tdb.db.oAuthSettings.create({ data: { id: "installation", dynamicRegistration: true } });
  // The MCP client's loopback redirect target (it only has to exist).
  const cb = createServer((_req, res) => res.end("done"));
  await new Promise<void>((resolve) => cb.listen(0, "127.0.0.1", () => resolve()));
  callback = { server: cb, url: `http://127.0.0.1:${(cb.address() as AddressInfo).port}/callback` };
  cimd = await startCimdHost({ clientName: "CIMD test client", redirectUris: [callback.url] });
  as = await startAuthorizationServer({
    host: "127.0.0.1",
    port: asPort,
    db: tdb.db,
    redis: h.redis,
    prefix: h.names.prefix,
    secretKey: SECRET,
    sso: { issuer: idp.issuer, clientId: "portcullis-oauth", clientSecret: "oauth-sso-secret" },
    gatewayPublicUrl: `http://127.0.0.1:${gatewayPort}`,
    outbound: guardTrusting(cimd.cert),
  });
}, 60_000);

afterAll(async () => {
  callback?.server.close();
  await cimd?.close();
  await as?.close();
  await h?.close();
  await idp?.close();
  await upstream?.close();
  await tdb?.drop();
});

async function post(headers: Record<string, string>, url = gatewayUrl) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: (text.startsWith("{") ? JSON.parse(text) : { raw: text }) as { error?: { message: string } },
  };
}

let lastConsent = "";

/** The whole dance with an SDK client: 401 → discovery → DCR → authorize → code → tokens. */
async function signIn(
  provider: MemoryOAuthClient,
  revision: "modern" | "legacy",
  browser: "chromium" | "http" = "http",
) {
  const url = new URL(gatewayUrl);
  const authorize = browser === "chromium" ? authorizeInChromium : authorizeOverHttp;
  if (revision === "modern") {
    const transport = new ModernTransport(url, { authProvider: provider });
    await expect(new ModernClient({ name: "t", version: "1" }).connect(transport)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const { callbackUrl, ...rest } = await authorize({
      authorizationUrl: String(provider.authorizationUrl),
      redirectUri: provider.redirect,
      email: EMAIL,
      password: DEMO_PASSWORD,
    });
    lastConsent = "consentText" in rest ? String(rest.consentText) : "";
    await transport.finishAuth(new URL(callbackUrl).searchParams);
    const client = new ModernClient(
      { name: "t", version: "1" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new ModernTransport(url, { authProvider: provider }));
    return client;
  }
  const transport = new LegacyTransport(url, { authProvider: provider as never });
  await expect(new LegacyClient({ name: "t", version: "1" }).connect(transport)).rejects.toThrow(
    /nauthorized/,
  );
  const { callbackUrl, ...rest } = await authorize({
    authorizationUrl: String(provider.authorizationUrl),
    redirectUri: provider.redirect,
    email: EMAIL,
    password: DEMO_PASSWORD,
  });
  lastConsent = "consentText" in rest ? String(rest.consentText) : "";
  await transport.finishAuth(new URL(callbackUrl).searchParams.get("code") as string);
  const client = new LegacyClient({ name: "t", version: "1" });
  await client.connect(new LegacyTransport(url, { authProvider: provider as never }));
  return client;
}

describe("a client identified by its metadata document (CIMD)", () => {
  it("signs in with the document URL as client id, fetched through the SSRF guard", async () => {
    const provider = new MemoryOAuthClient(callback.url, "ignored", { clientMetadataUrl: cimd.url });
    const client = await signIn(provider, "modern", "chromium");
    expect(String(provider.authorizationUrl)).toContain(`client_id=${encodeURIComponent(cimd.url)}`);
    expect(lastConsent).toContain("CIMD test client");
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    await client.close();
  }, 60_000);
});

describe("the gateway as a protected resource", () => {
  it("publishes RFC 9728 metadata for /mcp, path-suffixed and at the root", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
    ]) {
      const res = await fetch(new URL(path, gatewayUrl));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: gatewayUrl,
        authorization_servers: [as.issuer],
        scopes_supported: ["mcp"],
        bearer_methods_supported: ["header"],
        resource_name: "Portcullis MCP gateway (/mcp)",
      });
    }
    const portal = await (
      await fetch(new URL("/.well-known/oauth-protected-resource/mcp/sales", gatewayUrl))
    ).json();
    expect(portal.resource).toBe(`${gatewayUrl}/sales`);
  });

  it("answers no credentials with 401 and a challenge naming the metadata, without an error code", async () => {
    const r = await post({});
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(
      `Bearer resource_metadata="${new URL("/.well-known/oauth-protected-resource/mcp", gatewayUrl)}", scope="mcp"`,
    );
  });

  it("answers a malformed header with 400 invalid_request and a token in the query with 400", async () => {
    const malformed = await post({ authorization: "Basic abc" });
    expect(malformed.status).toBe(400);
    expect(malformed.challenge).toMatch(/error="invalid_request"/);
    const query = await post({}, `${gatewayUrl}?access_token=abc`);
    expect(query.status).toBe(400);
    expect(query.body.error?.message).toMatch(/query string are refused/);
  });

  it("keeps agent keys working exactly as before", async () => {
    const r = await post({ authorization: `Bearer ${agentKey}` });
    expect(r.status).toBe(200);
    const bad = await post({ authorization: `Bearer pcs_${"x".repeat(40)}` });
    expect(bad.status).toBe(401);
    expect(bad.challenge).toMatch(/error="invalid_token"/);
  });
});

describe("a person signs in from an MCP client", () => {
  for (const revision of ["modern", "legacy"] as const) {
    it(`registers by DCR, signs in at the SSO, consents and gets exactly their tools (${revision})`, async () => {
      const provider = new MemoryOAuthClient(callback.url, `Test client ${revision}`);
      const client = await signIn(provider, revision, "chromium");
      // The consent page named the client, where it returns and what it reaches.
      for (const shown of [provider.name, callback.url, gatewayUrl, EMAIL])
        expect(lastConsent).toContain(shown);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["alpha__echo"]);
      const result = (await client.callTool({ name: "alpha__echo", arguments: { message: "hi" } })) as {
        content: Array<{ text: string }>;
      };
      expect(result.content[0]?.text).toBe("echo: hi");
      await expect(client.callTool({ name: "alpha__add", arguments: { a: 1, b: 2 } })).rejects.toThrow(
        /denied/,
      );
      await client.close();
      const events = await h.waitForEvents((e) =>
        e.some((x) => x.userId === PERSON_ID && x.toolName === "echo"),
      );
      expect(events.find((x) => x.userId === PERSON_ID && x.toolName === "echo")?.agentId).toBeNull();
    }, 60_000);
  }
});

/** A token signed with the AS's real key (as the AS would), with the claims a test changes. */
async function mint(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const [jwk] = await loadSigningKeys(h.redis, h.names.prefix, SECRET);
  const key = await importJWK(jwk as JWK, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    client_id: "c1",
    scope: "mcp",
    org_id: h.builder.orgId,
    grant_id: "g1",
    jti: "j1",
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: jwk?.kid as string, ...header })
    .setIssuer((claims.iss as string) ?? as.issuer)
    .setAudience((claims.aud as string) ?? gatewayUrl)
    .setSubject(PERSON_ID)
    .setIssuedAt((claims.iat as number) ?? now)
    .setExpirationTime((claims.exp as number) ?? now + 600)
    .sign(key);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("tokens the gateway refuses", () => {
  it("accepts a well-formed token of the issuer (the control for the cases below)", async () => {
    expect((await post({ authorization: `Bearer ${await mint({})}` })).status).toBe(200);
  });

  it("refuses a token for another resource, an expired one and one from another issuer", async () => {
    const other = await post({ authorization: `Bearer ${await mint({ aud: `${gatewayUrl}/other` })}` });
    expect(other.status).toBe(401);
    expect(other.challenge).toMatch(/error="invalid_token"/);
    expect(other.body.error?.message).toMatch(/not for this resource/);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await post({ authorization: `Bearer ${await mint({ iat: past, exp: past + 600 })}` });
    expect(expired.status).toBe(401);
    expect(expired.body.error?.message).toMatch(/expired/);
    const foreign = await post({ authorization: `Bearer ${await mint({ iss: "http://127.0.0.1:1/evil" })}` });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error?.message).toMatch(/another issuer/);
  });

  it("refuses alg none and HS256 signed with the issuer's public key", async () => {
    const payload = {
      iss: as.issuer,
      aud: gatewayUrl,
      sub: PERSON_ID,
      client_id: "c1",
      scope: "mcp",
      org_id: h.builder.orgId,
      grant_id: "g1",
      jti: "j2",
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const none = `${b64({ alg: "none", typ: "at+jwt" })}.${b64(payload)}.`;
    const r1 = await post({ authorization: `Bearer ${none}` });
    expect(r1.status).toBe(401);
    expect(r1.challenge).toMatch(/error="invalid_token"/);
    const [jwk] = await loadSigningKeys(h.redis, h.names.prefix, SECRET);
    const { d: _private, ...publicJwk } = jwk as JWK;
    const publicPem = createPublicKey({ key: publicJwk as never, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    for (const secret of [String(publicPem), JSON.stringify(publicJwk)]) {
      const signingInput = `${b64({ alg: "HS256", typ: "at+jwt", kid: jwk?.kid })}.${b64(payload)}`;
      const sig = createHmac("sha256", secret).update(signingInput).digest("base64url");
      const r = await post({ authorization: `Bearer ${signingInput}.${sig}` });
      expect(r.status).toBe(401);
      expect(r.body.error?.message).toMatch(/algorithm is not accepted/);
    }
  });

  it("answers a token without the endpoint's scope with 403 insufficient_scope", async () => {
    const r = await post({ authorization: `Bearer ${await mint({ scope: "openid" })}` });
    expect(r.status).toBe(403);
    expect(r.challenge).toMatch(/error="insufficient_scope", scope="mcp"/);
  });

  it("refuses the tokens of a revoked client connection", async () => {
    const grantId = "g-revoked";
    const token = await mint({ grant_id: grantId });
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(200);
    h.builder.revokeOAuthGrant(grantId);
    await waitForVersion(h.gateway, await h.publish());
    const r = await post({ authorization: `Bearer ${token}` });
    expect(r.status).toBe(401);
    expect(r.body.error?.message).toMatch(/revoked/);
  });
});

describe("the authorization server refuses", () => {
  let clientId: string;
  const resource = () => gatewayUrl;
  beforeAll(async () => {
    const reg = await fetch(`${as.issuer}/reg`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "refusals",
        redirect_uris: [callback.url],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
        scope: "mcp",
      }),
    });
    expect(reg.status).toBe(201);
    clientId = ((await reg.json()) as { client_id: string }).client_id;
  });

  const authorize = async (params: Record<string, string>) => {
    const url = new URL(`${as.issuer}/auth`);
    const all = {
      client_id: clientId,
      response_type: "code",
      redirect_uri: callback.url,
      scope: "mcp",
      resource: resource(),
      state: "s",
      ...params,
    };
    for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
    return fetch(url, { redirect: "manual" });
  };

  it("a request without PKCE, and one with plain PKCE", async () => {
    const missing = await authorize({});
    const m = new URL(missing.headers.get("location") ?? "", as.issuer);
    expect(m.searchParams.get("error")).toBe("invalid_request");
    expect(m.searchParams.get("error_description")).toMatch(/PKCE/);
    expect(m.searchParams.get("iss")).toBe(as.issuer);
    const plain = await authorize({ code_challenge: "a".repeat(43), code_challenge_method: "plain" });
    const p = new URL(plain.headers.get("location") ?? "", as.issuer);
    expect(p.searchParams.get("error")).toBe("invalid_request");
    expect(p.searchParams.get("error_description")).toMatch(/code_challenge_method/);
  });

  it("a redirect URI that is not exactly the registered one", async () => {
    const r = await authorize({
      redirect_uri: `${callback.url}/evil`,
      code_challenge: "a".repeat(43),
      code_challenge_method: "S256",
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/redirect_uri did not match/);
  });

  it("a person the console would not admit, with a page that says so", async () => {
    const url = new URL(`${as.issuer}/auth`);
    const params = {
      client_id: clientId,
      response_type: "code",
      redirect_uri: callback.url,
      scope: "mcp",
      resource: gatewayUrl,
      state: "s",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    await expect(
      authorizeOverHttp({
        authorizationUrl: url.toString(),
        redirectUri: callback.url,
        email: "auditor@example.com",
        password: DEMO_PASSWORD,
      }),
    ).rejects.toThrow(/403 at .*\/interaction\/sso\/callback[\s\S]*You are not a member here/);
  });

  it("a consent form without its CSRF token, on a page that cannot be framed", async () => {
    const url = new URL(`${as.issuer}/auth`);
    const params = {
      client_id: clientId,
      response_type: "code",
      redirect_uri: callback.url,
      scope: "mcp",
      resource: gatewayUrl,
      state: "s",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const jar = new CookieJar();
    const login = await jar.follow(url.toString());
    const action = /action="([^"]+)"/.exec(await login.res.text())?.[1] as string;
    const consent = await jar.follow(new URL(action, login.url).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: EMAIL, password: DEMO_PASSWORD }).toString(),
    });
    expect(await consent.res.text()).toMatch(/Allow refusals to use Portcullis as you/);
    expect(consent.res.headers.get("x-frame-options")).toBe("DENY");
    expect(consent.res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    const forged = await jar.fetch(`${consent.url}/consent`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: "forged", decision: "allow" }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/did not come from this page/);
  });

  it("a resource that is not an endpoint of the gateway", async () => {
    const r = await authorize({
      resource: "https://elsewhere.example/mcp",
      code_challenge: "a".repeat(43),
      code_challenge_method: "S256",
    });
    expect(new URL(r.headers.get("location") ?? "", as.issuer).searchParams.get("error")).toBe(
      "invalid_target",
    );
  });

  it("a reused refresh token, and then the whole family", async () => {
    const provider = new MemoryOAuthClient(callback.url, "Refresh client");
    const client = await signIn(provider, "modern");
    await client.close();
    const first = provider.stored?.refresh_token as string;
    const refresh = (token: string) =>
      fetch(`${as.issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: provider.info?.client_id as string,
        }),
      });
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    const second = ((await rotated.json()) as { refresh_token: string }).refresh_token;
    expect(second).not.toBe(first);
    const reuse = await refresh(first);
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe("invalid_grant");
    const family = await refresh(second);
    expect(family.status).toBe(400);
  }, 30_000);
});

describe("an authorization request without scope", () => {
  let clientId: string;
  beforeAll(async () => {
    const reg = await fetch(`${as.issuer}/reg`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "no-scope",
        redirect_uris: [callback.url],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    });
    expect(reg.status).toBe(201);
    clientId = ((await reg.json()) as { client_id: string }).client_id;
  });

  /** The authorization leg from `login` (the SSO's page) on, then the code for tokens. */
  async function finish(jar: CookieJar, login: { res: Response; url: string }, verifier: string) {
    if (login.res.status !== 200)
      throw new Error(`${login.res.status} at ${login.url}: ${await login.res.text()}`);
    await login.res.body?.cancel();
    const { callbackUrl } = await authorizeOverHttp({
      authorizationUrl: login.url,
      redirectUri: callback.url,
      email: EMAIL,
      password: DEMO_PASSWORD,
      jar,
    });
    const code = new URL(callbackUrl).searchParams.get("code");
    if (!code) throw new Error(`no code in ${callbackUrl}`);
    const token = await fetch(`${as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: callback.url,
        client_id: clientId,
        code_verifier: verifier,
        resource: gatewayUrl,
      }),
    });
    expect(token.status).toBe(200);
    return (await token.json()) as { access_token: string; scope: string };
  }

  function request() {
    const verifier = randomBytes(32).toString("base64url");
    const params = new URLSearchParams({
      client_id: clientId,
      response_type: "code",
      redirect_uri: callback.url,
      resource: gatewayUrl,
      state: "s",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    });
    return { verifier, params };
  }

  // RFC 6749 §3.3: a request that leaves `scope` out gets the server's default, `mcp`, whether
  // it comes as a query (GET /auth) or as a form pushed first (POST /request, RFC 9126).
  it("gets the mcp scope as a query (GET /auth), and its token opens the gateway", async () => {
    const { verifier, params } = request();
    const jar = new CookieJar();
    const issued = await finish(jar, await jar.follow(`${as.issuer}/auth?${params}`), verifier);
    expect(issued.scope.split(" ")).toContain("mcp");
    expect((await post({ authorization: `Bearer ${issued.access_token}` })).status).toBe(200);
  }, 30_000);

  it("gets the mcp scope as a pushed form (POST /request), and its token opens the gateway", async () => {
    const { verifier, params } = request();
    const pushed = await fetch(`${as.issuer}/request`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: params.toString(),
    });
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    expect(pushed.status).toBe(201);
    const jar = new CookieJar();
    const start = new URLSearchParams({ client_id: clientId, request_uri });
    const issued = await finish(jar, await jar.follow(`${as.issuer}/auth?${start}`), verifier);
    expect(issued.scope.split(" ")).toContain("mcp");
    expect((await post({ authorization: `Bearer ${issued.access_token}` })).status).toBe(200);
  }, 30_000);
});

describe("removing a person", () => {
  it("makes two gateway processes refuse their token within a second", async () => {
    const spool = await mkdtemp(join(tmpdir(), "pc-oauth-spool-"));
    const env = {
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: h.names.prefix,
      PORTCULLIS_SECRET_KEY: "gateway-tests-secret-key-0123456789abcdef",
      GATEWAY_PUBLIC_URL: new URL(gatewayUrl).origin,
      GATEWAY_OAUTH_ISSUER: as.issuer,
      GATEWAY_SPOOL_DIR: spool,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
      LOG_LEVEL: "info",
    };
    const gateways = await Promise.all(
      [0, 1].map(() => spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], env)),
    );
    try {
      const token = await mint({ jti: "j-removal" });
      const statuses = () =>
        Promise.all(
          gateways.map(async (g) => (await post({ authorization: `Bearer ${token}` }, g.url)).status),
        );
      expect(await statuses()).toEqual([200, 200]);
      h.builder.removePerson(PERSON_ID);
      const started = performance.now();
      await h.publish();
      let elapsed = 0;
      for (;;) {
        const now = await statuses();
        elapsed = performance.now() - started;
        if (now.every((s) => s === 401) || elapsed > 5_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await statuses()).toEqual([401, 401]);
      expect(elapsed).toBeLessThan(1_000);
      process.stdout.write(`removal reached both gateway processes in ${Math.round(elapsed)} ms\n`);
      const r = await post({ authorization: `Bearer ${token}` }, gateways[0]!.url);
      expect(r.body.error?.message).toMatch(/not a member/);
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
      h.builder.person(PERSON_ID, EMAIL, ["platform"]);
      await waitForVersion(h.gateway, await h.publish());
      await rm(spool, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("revoking in the console ends refreshing at once", () => {
  const refresh = (provider: MemoryOAuthClient) =>
    fetch(`${as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: provider.stored?.refresh_token as string,
        client_id: provider.info?.client_id as string,
      }),
    });

  it("a revoked client connection cannot refresh, and its last use was recorded", async () => {
    const provider = new MemoryOAuthClient(callback.url, "Revoked client");
    const client = await signIn(provider, "modern");
    await client.listTools();
    await client.close();
    const connection = await tdb.db.oAuthConnection.findFirstOrThrow({
      where: { clientName: "Revoked client" },
    });
    expect(await h.redis.hget(oauthLastUseKey(h.names), connection.grantId)).not.toBeNull();
    const { grantId } = await revokeOAuthConnection(tdb.db, {
      orgId: h.builder.orgId,
      actor: { type: "user", id: "usr_admin", name: "admin" },
      connectionId: connection.id,
    });
    await endGrantState(h.redis, h.names.prefix, grantId);
    const r = await refresh(provider);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe("invalid_grant");
  }, 30_000);

  it("a suspended person cannot refresh", async () => {
    const provider = new MemoryOAuthClient(callback.url, "Suspended client");
    (await signIn(provider, "modern")).close();
    await tdb.db.membership.update({ where: { id: "mem_oauth" }, data: { suspendedAt: new Date() } });
    try {
      const r = await refresh(provider);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toBe("invalid_grant");
    } finally {
      await tdb.db.membership.update({ where: { id: "mem_oauth" }, data: { suspendedAt: null } });
    }
  }, 30_000);
});
