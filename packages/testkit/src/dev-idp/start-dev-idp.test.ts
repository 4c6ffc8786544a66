import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, type DevAccount } from "./accounts";
import { type RunningDevIdp, startDevIdp } from "./start-dev-idp";
import { passwordLogin } from "./testing/password-login";

const client = {
  clientId: "test-console",
  clientSecret: "test-console-secret",
  redirectUris: ["http://127.0.0.1:3999/api/auth/callback/oidc"],
};
const redirectUri = client.redirectUris[0]!;
/** Claims an address (the demo admin's) that this provider does not vouch for. */
const UNVERIFIED: DevAccount = {
  sub: "unverified-admin",
  email: "admin@example.org",
  name: "Not Verified",
  password: DEMO_PASSWORD,
  emailVerified: false,
};

let idp: RunningDevIdp;
let discovery: Record<string, unknown> & {
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
};

beforeAll(async () => {
  idp = await startDevIdp({ clients: [client], accounts: [...DEMO_ACCOUNTS, UNVERIFIED] });
  discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
});
afterAll(async () => {
  await idp?.close();
});

function authorizeUrl(state: string, nonce: string, challenge: string): string {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    scope: "openid email profile",
    redirect_uri: redirectUri,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  return url.toString();
}

function decodeJwt(jwt: string): { header: { kid: string; alg: string }; payload: Record<string, unknown> } {
  const [h, p] = jwt.split(".");
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString()),
    payload: JSON.parse(Buffer.from(p!, "base64url").toString()),
  };
}

describe("dev OpenID provider", () => {
  it("publishes a discovery document with the scopes and claims the console needs", () => {
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["email", "email_verified", "name"]));
    expect(discovery.response_types_supported).toContain("code");
  });

  it("rejects a wrong password on its login form", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    await expect(
      passwordLogin({
        authorizeUrl: authorizeUrl("s1", "n1", challenge),
        redirectUri,
        email: "admin@example.com",
        password: "not-the-password",
      }),
    ).rejects.toThrow("Wrong email or password.");
  });

  it("signs a demo user in with the authorization code flow and PKCE", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const state = randomBytes(8).toString("hex");
    const nonce = randomBytes(8).toString("hex");

    const { callbackUrl } = await passwordLogin({
      authorizeUrl: authorizeUrl(state, nonce, challenge),
      redirectUri,
      email: "Approver@Example.com",
      password: DEMO_PASSWORD,
    });
    const back = new URL(callbackUrl);
    expect(back.searchParams.get("state")).toBe(state);
    const code = back.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokenRes = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { id_token: string; access_token: string };

    // The ID token is signed by a key the provider publishes, and carries the profile claims.
    const { header, payload } = decodeJwt(tokens.id_token);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string }> };
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    expect(jwk).toBeDefined();
    const [h, p, s] = tokens.id_token.split(".");
    const valid = verify(
      "RSA-SHA256",
      Buffer.from(`${h}.${p}`),
      createPublicKey({ key: jwk as unknown as import("node:crypto").JsonWebKey, format: "jwk" }),
      Buffer.from(s!, "base64url"),
    );
    expect(valid).toBe(true);
    expect(payload).toMatchObject({
      iss: idp.issuer,
      aud: client.clientId,
      nonce,
      sub: "demo-approver",
      email: "approver@example.com",
      email_verified: true,
      name: "Arlo Approver",
    });

    const userinfo = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: "demo-approver", email: "approver@example.com" });
  });

  it("refuses a redirect URI that is not registered", async () => {
    const url = new URL(authorizeUrl("s", "n", "x".repeat(43)));
    url.searchParams.set("redirect_uri", "http://evil.example/callback");
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("redirect_uri");
  });

  it("issues email_verified false for an account marked unverified", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const { callbackUrl } = await passwordLogin({
      authorizeUrl: authorizeUrl("s-unverified", "n-unverified", challenge),
      redirectUri,
      email: UNVERIFIED.email,
      password: DEMO_PASSWORD,
    });
    const tokenRes = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: new URL(callbackUrl).searchParams.get("code") ?? "",
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    const { id_token } = (await tokenRes.json()) as { id_token: string };
    expect(decodeJwt(id_token).payload).toMatchObject({
      sub: "unverified-admin",
      email: "admin@example.org",
      email_verified: false,
    });
  });
});
