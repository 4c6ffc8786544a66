import { secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

const secretKey = secretKeyFrom("apply-config-test-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;

const EXAMPLE = `
# yaml-language-server: $schema=./portcullis.schema.json
servers:
  - name: everything
    transport: streamable-http
    url: http://127.0.0.1:3901/mcp
    bearer: { env: EVERYTHING_TOKEN }
  - name: memory
    transport: stdio
    command: npx
    args: ["-y", "@modelcontextprotocol/server-memory"]
teams: [{ name: platform }]
agents: [{ name: ci-bot, team: platform }]
grants:
  - { team: platform, server: everything, tools: ["echo", "get-sum"], effect: allow }
  - { agent: ci-bot, server: memory, tools: ["*"], effect: allow }
`;

const env = { EVERYTHING_TOKEN: "tok-plaintext-4f9a" };
const apply = (text: string, extra: { dryRun?: boolean; env?: Record<string, string> } = {}) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), {
    actor,
    env: extra.env ?? env,
    secretKey,
    ...(extra.dryRun !== undefined && { dryRun: extra.dryRun }),
  });
const auditRows = () => database.db.adminAuditLog.count();

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply" });
});

afterAll(async () => {
  await database?.drop();
});

describe("applyConfig", () => {
  it("plans without writing on a dry run", async () => {
    const plan = await apply(EXAMPLE, { dryRun: true });
    expect(plan).toContainEqual({ action: "create", kind: "organization", name: "default" });
    expect(await database.db.organization.count()).toBe(0);
    expect(await auditRows()).toBe(0);
  });

  it("creates the example installation, then re-applying it changes nothing", async () => {
    const plan = await apply(EXAMPLE);
    expect(plan.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "create organization default",
      "create server everything",
      "create server memory",
      "create team platform",
      "create agent ci-bot",
      "create grant team:platform/everything/echo",
      "create grant team:platform/everything/get-sum",
      "create grant agent:ci-bot/memory/*",
    ]);
    const { db } = database;
    const memory = await db.server.findFirstOrThrow({ where: { name: "memory" } });
    expect(memory).toMatchObject({
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-memory"],
    });
    const agent = await db.agent.findFirstOrThrow({ where: { name: "ci-bot" }, include: { team: true } });
    expect(agent.team.name).toBe("platform");
    expect(await db.grant.count()).toBe(3);
    const audits = await db.adminAuditLog.findMany();
    expect(audits).toHaveLength(plan.length);
    expect(audits.every((a) => a.actorType === "cli" && a.actorName === "test")).toBe(true);

    // Secrets are sealed at rest: the column never holds the token.
    const everything = await db.server.findFirstOrThrow({ where: { name: "everything" } });
    expect(everything.secrets).toMatch(/^v1\./);
    const raw = await db.$queryRaw<
      { secrets: string }[]
    >`SELECT secrets FROM servers WHERE name = 'everything'`;
    expect(raw[0]!.secrets).not.toContain(env.EVERYTHING_TOKEN);

    expect(await apply(EXAMPLE)).toEqual([]);
    expect(await auditRows()).toBe(audits.length);
  });

  it("updates what changed, including a secret compared by value", async () => {
    const before = await auditRows();
    const plan = await apply(
      EXAMPLE.replace("effect: allow }\n  - { agent", "effect: approve }\n  - { agent"),
      {
        env: { EVERYTHING_TOKEN: "tok-rotated" },
      },
    );
    expect(plan).toEqual([
      { action: "update", kind: "server", name: "everything", fields: ["secrets"] },
      { action: "update", kind: "grant", name: "team:platform/everything/echo", fields: ["effect"] },
      { action: "update", kind: "grant", name: "team:platform/everything/get-sum", fields: ["effect"] },
    ]);
    expect(await auditRows()).toBe(before + 3);
    const log = await database.db.adminAuditLog.findFirstOrThrow({ where: { action: "server.update" } });
    expect(JSON.stringify(log.details)).not.toContain("tok-rotated");
  });

  it("removes what the file no longer declares, agents before their team", async () => {
    await apply(EXAMPLE); // back to the example
    const key = await database.db.apiKey.create({
      data: {
        id: "key_test",
        orgId: (await database.db.organization.findFirstOrThrow()).id,
        agentId: (await database.db.agent.findFirstOrThrow()).id,
        prefix: "pcs_test",
        hash: "h",
      },
    });
    const smaller = `
servers:
  - { name: everything, transport: streamable-http, url: "http://127.0.0.1:3901/mcp", bearer: { env: EVERYTHING_TOKEN } }
`;
    const plan = await apply(smaller);
    expect(plan.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "delete grant team:platform/everything/echo",
      "delete grant team:platform/everything/get-sum",
      "delete grant agent:ci-bot/memory/*",
      "delete agent ci-bot",
      "delete team platform",
      "delete server memory",
    ]);
    const { db } = database;
    expect(await db.team.count()).toBe(0);
    expect(await db.agent.count()).toBe(0);
    expect(await db.apiKey.findUnique({ where: { id: key.id } })).toBeNull();
    expect((await db.server.findMany()).map((s) => s.name)).toEqual(["everything"]);
  });

  it("names the entry behind a bad reference or a missing secret, and changes nothing", async () => {
    const before = await auditRows();
    const error = await apply(
      `
servers: [{ name: everything, transport: sse, url: "http://127.0.0.1:1/sse", bearer: { env: NOT_SET_ANYWHERE } }]
teams: [{ name: platform }]
agents: [{ name: bot, team: plattform }]
grants:
  - { team: platform, server: everything, tools: [echo] }
  - { agent: bot, server: evrything, tools: ["*"] }
`,
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("INVALID_INPUT");
    const message = (error as Error).message;
    expect(message).toContain('agents[0].team: unknown team "plattform"');
    expect(message).toContain('grants[1].server: unknown server "evrything"');
    expect(message).toContain("servers[0].bearer: environment variable NOT_SET_ANYWHERE is not set");
    expect(await auditRows()).toBe(before);
  });

  it("refuses to guess among several organizations", async () => {
    await database.db.organization.create({ data: { id: "org_other", name: "Other", slug: "other" } });
    await expect(apply("teams: [{ name: a }]")).rejects.toThrow(
      /several organizations exist \(default, other\)/,
    );
    const plan = await apply("organization: other\nteams: [{ name: a }]");
    expect(plan).toEqual([{ action: "create", kind: "team", name: "a" }]);
  });
});

describe("parseConfigText", () => {
  it("reports each schema problem with its line and path", () => {
    const text = `servers:
  - name: ok
    transport: stdio
    command: node
grants:
  - { team: a, server: ok, tools: [] }
  - { team: a, server: Bad_Name, tools: [x], colour: red }
`;
    expect(() => parseConfigText(text, "portcullis.yaml")).toThrow(
      /portcullis\.yaml:6: grants\[0\]\.tools: .*\n.*portcullis\.yaml:7: grants\[1\]\.server: use lowercase/,
    );
    expect(() => parseConfigText(text, "portcullis.yaml")).toThrow(
      /portcullis\.yaml:7: grants\[1\]: unknown field "colour"/,
    );
  });

  it("reports YAML syntax errors with their position", () => {
    expect(() => parseConfigText("teams: [{ name: a }\n", "bad.yaml")).toThrow(/bad\.yaml:\d+:\d+: /);
  });
});
