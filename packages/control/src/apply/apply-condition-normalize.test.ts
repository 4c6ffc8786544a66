import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// Apply-file parity for argument-condition normalization (issue #10 point 10): the file
// says `normalize`, it is stored as written, and re-applying changes nothing.

const secretKey = secretKeyFrom("apply-normalize-test-secret-0123456789abcdef");
let database: TestDatabase;

const file = (normalize: string) => `
servers:
  - { name: ops, transport: streamable-http, url: "http://127.0.0.1:3901/mcp" }
teams: [{ name: platform }]
agents: [{ name: deploy-bot, team: platform }]
grants:
  - agent: deploy-bot
    server: ops
    tools: [deploy]
    effect: approve
    condition: { path: env, in: [prod, production]${normalize} }
    reason: production deploys need a human
`;

const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), {
    actor: { type: "cli", name: "test" },
    env: {},
    secretKey,
  });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_normalize" });
});
afterAll(async () => {
  await database?.drop();
});

describe("apply: condition normalization", () => {
  it("stores normalize as written, re-applies as no change, and plans a change when it goes", async () => {
    await apply(file(", normalize: [trim, ignore-case]"));
    const grant = await database.db.grant.findFirstOrThrow({ where: { toolPattern: "deploy" } });
    expect(grant.condition).toEqual({
      path: "env",
      in: ["prod", "production"],
      normalize: ["trim", "ignore-case"],
    });
    expect(await apply(file(", normalize: [trim, ignore-case]"))).toEqual([]);

    const dropped = await apply(file(""));
    expect(dropped.map((c) => `${c.action} ${c.kind}`)).toEqual(["update grant"]);
    const after = await database.db.grant.findFirstOrThrow({ where: { toolPattern: "deploy" } });
    expect(after.condition).toEqual({ path: "env", in: ["prod", "production"] });
  });

  it("refuses an unknown normalization with its path", () => {
    expect(() => parseConfigText(file(", normalize: [lowercase]"), "portcullis.yaml")).toThrow(
      /grants\[0\]\.condition|grants\.0\.condition/,
    );
  });
});
