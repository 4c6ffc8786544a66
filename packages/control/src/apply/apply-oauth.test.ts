import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

const secretKey = secretKeyFrom("apply-oauth-secret-0123456789abcdef0123");
let database: TestDatabase;

const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), {
    actor: { type: "cli", name: "test" },
    env: {},
    secretKey,
  });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_oauth" });
});
afterAll(async () => database?.drop());

describe("the oauth: section of the apply file", () => {
  const FILE = `
oauth:
  dynamicClientRegistration: true
  accessTokenTtl: 300
  clients:
    - { id: claude-code, name: Claude Code, redirectUris: ["http://127.0.0.1:33418/callback"] }
`;

  it("sets the DCR switch, token lifetimes and pre-registered clients, and re-applies as a no-op", async () => {
    const plan = await apply(FILE);
    expect(plan.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "create organization default",
      "update oauthSettings oauth",
      "create oauthClient claude-code",
    ]);
    const settings = await database.db.oAuthSettings.findUniqueOrThrow({ where: { id: "installation" } });
    expect(settings).toMatchObject({
      dynamicRegistration: true,
      accessTokenTtlSec: 300,
      refreshTokenTtlSec: 1209600,
    });
    const client = await database.db.oAuthClient.findUniqueOrThrow({ where: { id: "claude-code" } });
    expect(client.metadata).toMatchObject({
      redirect_uris: ["http://127.0.0.1:33418/callback"],
      token_endpoint_auth_method: "none",
      application_type: "native",
    });
    expect(await apply(FILE)).toEqual([]);
  });

  it("removes a pre-registered client the file no longer lists, and leaves settings alone without the section", async () => {
    const plan = await apply("oauth: { dynamicClientRegistration: true, accessTokenTtl: 300 }");
    expect(plan.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(["delete oauthClient claude-code"]);
    expect(await apply("teams: []")).toEqual([]);
    expect(
      (await database.db.oAuthSettings.findUniqueOrThrow({ where: { id: "installation" } }))
        .dynamicRegistration,
    ).toBe(true);
  });

  it("refuses a plain-http redirect URI that is not loopback, naming the entry", async () => {
    await expect(
      (async () =>
        apply(`oauth: { clients: [{ id: x, name: X, redirectUris: ["http://evil.example/cb"] }] }`))(),
    ).rejects.toThrow(/oauth\.clients\[0\]\.redirectUris\[0\].*https/);
  });
});
