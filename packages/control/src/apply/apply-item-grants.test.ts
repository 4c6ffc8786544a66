import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

const secretKey = secretKeyFrom("apply-item-grants-secret-0123456789abcdef");
let database: TestDatabase;

const file = (grants: string) => `
servers:
  - { name: docs, transport: streamable-http, url: "http://127.0.0.1:3901/mcp" }
teams: [{ name: platform }]
agents: [{ name: ci-bot, team: platform }]
grants:
${grants}`;
const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), {
    actor: { type: "cli", name: "test" },
    env: {},
    secretKey,
  });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_items" });
});

afterAll(async () => {
  await database?.drop();
});

describe("resource and prompt grants in the apply file", () => {
  const GRANTS = `  - { team: platform, server: docs, tools: [search], resources: ["docs://public/*"], prompts: ["*"] }
  - { agent: ci-bot, server: docs, resources: ["docs://public/secret*"], prompts: [summarize], effect: deny, reason: "not for CI" }
`;

  it("creates them beside tool grants, publishes them in the snapshot, and re-applies as a no-op", async () => {
    const plan = await apply(file(GRANTS));
    expect(plan.filter((c) => c.kind === "grant").map((c) => `${c.action} ${c.name}`)).toEqual([
      "create team:platform/docs/search",
      "create team:platform/docs/resource:docs://public/*",
      "create team:platform/docs/prompt:*",
      "create agent:ci-bot/docs/resource:docs://public/secret*",
      "create agent:ci-bot/docs/prompt:summarize",
    ]);
    expect(await apply(file(GRANTS))).toEqual([]);

    const snapshot = await compileSnapshot(database.db, 1);
    // Tool grants stay tool grants: the resource and prompt patterns are not among them.
    expect(snapshot.grants.map((g) => g.toolPattern)).toEqual(["search"]);
    expect(snapshot.resourceGrants.map((g) => [g.pattern, g.effect, g.reason]).sort()).toEqual([
      ["docs://public/*", "allow", null],
      ["docs://public/secret*", "deny", "not for CI"],
    ]);
    expect(snapshot.promptGrants.map((g) => [g.pattern, g.effect]).sort()).toEqual([
      ["*", "allow"],
      ["summarize", "deny"],
    ]);
  });

  it("updates and deletes by identity", async () => {
    const plan = await apply(
      file(
        `  - { team: platform, server: docs, tools: [search], resources: ["docs://public/*"], effect: deny }\n`,
      ),
    );
    expect(
      plan.map((c) => `${c.action} ${c.name}${c.fields ? ` ${c.fields.join(",")}` : ""}`).sort(),
    ).toEqual([
      "delete agent:ci-bot/docs/prompt:summarize",
      "delete agent:ci-bot/docs/resource:docs://public/secret*",
      "delete team:platform/docs/prompt:*",
      "update team:platform/docs/resource:docs://public/* effect",
      "update team:platform/docs/search effect",
    ]);
    expect(await database.db.itemGrant.count()).toBe(1);
  });

  it("refuses approve on resources and prompts, and an entry that names nothing", () => {
    expect(() =>
      parseConfigText(
        file(`  - { team: platform, server: docs, prompts: ["*"], effect: approve }\n`),
        "p.yaml",
      ),
    ).toThrow(/grants\[0\]\.effect: resources and prompts are allowed or denied, never held for approval/);
    expect(() => parseConfigText(file(`  - { team: platform, server: docs }\n`), "p.yaml")).toThrow(
      /grants\[0\]\.tools: name at least one tool, resource or prompt pattern/,
    );
  });
});
