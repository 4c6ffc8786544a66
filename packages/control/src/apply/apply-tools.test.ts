import { secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncServerCatalog } from "../servers/sync-catalog";
import { publishSnapshot } from "../snapshots/publish-snapshot";
import { setToolStatus } from "../tools/set-tool-status";
import { applyAndPublish } from "./apply-and-publish";
import { parseConfigText } from "./load-config-file";

// `tools:` in the config file: the console's disable / enable / approve-definition / risk,
// applied against a real fixture MCP server whose tools change at runtime, real catalog
// syncs, Postgres and the snapshot in Redis.
const secretKey = secretKeyFrom("apply-tools-test-secret-0123456789abcdef");
const names = testRedisNames("control-apply-tools");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;
let fixture: FixtureServer;
let pool: UpstreamPool;
let redis: Redis;

beforeAll(async () => {
  [database, fixture] = await Promise.all([
    createTestDatabase({ name: "control_apply_tools" }),
    startLegacyHttpServer({ tag: "apply-tools" }),
  ]);
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await cleanupRedisPrefix(redis, names.prefix);
  redis?.disconnect();
  await pool?.close();
  await fixture?.close();
  await database?.drop();
});

const fileWith = (tools: string) => `
servers:
  - { name: everything, transport: streamable-http, url: "${fixture.url}" }
${tools}
`;
const apply = (text: string, dryRun = false) =>
  applyAndPublish(
    { db: database.db, redis, names, pool, secretKey },
    parseConfigText(text, "portcullis.yaml"),
    {
      actor,
      env: {},
      dryRun,
    },
  );
const echo = () => database.db.tool.findFirstOrThrow({ where: { exposedName: "everything__echo" } });
const served = async () => configSnapshot.parse(JSON.parse((await redis.get(names.snapshotDoc))!));
const servedEcho = async () => (await served()).tools.find((t) => t.exposedName === "everything__echo");
const toolAudits = async (id: string) =>
  (
    await database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { action: true, actorType: true, details: true },
    })
  ).map((a) => ({ action: a.action, actorType: a.actorType, ...(a.details as Record<string, unknown>) }));
const lines = (plan: Array<{ action: string; kind: string; name: string; fields?: string[] }>) =>
  plan.map((c) => `${c.action} ${c.kind} ${c.name}${c.fields ? ` (${c.fields.join(", ")})` : ""}`);

async function quarantineEcho(description: string): Promise<void> {
  fixture.setToolDescription("echo", description);
  const server = await database.db.server.findFirstOrThrow({ where: { name: "everything" } });
  await syncServerCatalog(database.db, pool, server.id, { secretKey, actor });
  // As the worker does after a sync that changed the catalog.
  await publishSnapshot(database.db, redis, names, { secretKey, createdBy: "test", summary: "catalog sync" });
  expect((await echo()).status).toBe("quarantined");
}

describe("tools: in the config file", () => {
  it("disables a tool the catalog lists only after the first sync, then re-applying changes nothing", async () => {
    const file = fileWith("tools: [{ server: everything, tool: echo, disabled: true }]");
    const dry = await apply(file, true);
    expect(dry.plan).toContainEqual(
      expect.objectContaining({
        action: "update",
        kind: "tool",
        name: "everything/echo",
        fields: ["disabled"],
        deferred: expect.stringContaining("applied after its catalog sync"),
      }),
    );

    const result = await apply(file);
    expect(lines(result.plan)).toEqual([
      "create organization default",
      "create server everything",
      "update tool everything/echo (disabled)",
    ]);
    expect(result.plan.some((c) => c.deferred || c.warning)).toBe(false);
    expect((await echo()).status).toBe("disabled");
    expect((await servedEcho())?.status).toBe("disabled");
    expect(await toolAudits((await echo()).id)).toEqual([
      expect.objectContaining({
        action: "tool.disable",
        actorType: "cli",
        source: "apply",
        changes: { status: { from: "active", to: "disabled" } },
      }),
    ]);

    const again = await apply(file);
    expect(again.plan).toEqual([]);
    expect(again.snapshot?.published).toBe(false);
  });

  it("enables the tool again when its entry leaves the file", async () => {
    const { id } = await echo();
    const result = await apply(fileWith(""));
    expect(lines(result.plan)).toEqual(["update tool everything/echo (enabled)"]);
    expect((await echo()).status).toBe("active");
    expect((await servedEcho())?.status).toBe("active");
    expect((await toolAudits(id)).map((a) => a.action)).toEqual(["tool.disable", "tool.enable"]);
    expect((await apply(fileWith(""))).plan).toEqual([]);
  });

  it("keeps a quarantined tool quarantined when approvedDefinition is not its current definition", async () => {
    const approvedBefore = (await echo()).definitionHash;
    await quarantineEcho("Echoes the message back, and mails a copy to the archive.");
    const { id, definitionHash } = await echo();
    const audits = (await toolAudits(id)).length;

    // The admin reviewed the old definition; the server changed the tool since.
    const result = await apply(
      fileWith(`tools: [{ server: everything, tool: echo, approvedDefinition: "${approvedBefore}" }]`),
    );
    expect(result.plan).toEqual([
      {
        action: "update",
        kind: "tool",
        name: "everything/echo",
        fields: ["approvedDefinition"],
        warning: expect.stringMatching(
          new RegExp(
            `^not approved: approvedDefinition ${approvedBefore.slice(0, 12)}… is not the current definition ${definitionHash.slice(0, 12)}… \\(the server changed the tool after that review\\)`,
          ),
        ),
      },
    ]);
    expect(await echo()).toMatchObject({ status: "quarantined", flags: ["definition_changed"] });
    expect((await servedEcho())?.status).toBe("quarantined");
    expect(result.snapshot?.published).toBe(false);
    expect(await toolAudits(id)).toHaveLength(audits);
  });

  it("approves a quarantined tool by its exact definition hash, like the console's Approve", async () => {
    const { id, definitionHash } = await echo();
    const file = fileWith(
      `tools: [{ server: everything, tool: echo, approvedDefinition: "${definitionHash}" }]`,
    );
    const result = await apply(file);
    expect(lines(result.plan)).toEqual(["update tool everything/echo (approvedDefinition)"]);
    expect(await echo()).toMatchObject({
      status: "active",
      flags: [],
      approvedHash: definitionHash,
      approvedDefinition: expect.objectContaining({
        description: "Echoes the message back, and mails a copy to the archive.",
      }),
    });
    expect((await servedEcho())?.status).toBe("active");
    expect((await toolAudits(id)).at(-1)).toMatchObject({
      action: "tool.approve_definition",
      actorType: "cli",
      source: "apply",
      definitionHash,
      clearedFlags: ["definition_changed"],
      changes: { status: { from: "quarantined", to: "active" } },
    });

    expect((await apply(file)).plan).toEqual([]);
  });

  it("says so when the file approves an older definition than the one already approved", async () => {
    const { definitionHash } = await echo();
    const stale = "0".repeat(64);
    const result = await apply(
      fileWith(`tools: [{ server: everything, tool: echo, approvedDefinition: "${stale}" }]`),
    );
    expect(result.plan).toEqual([
      expect.objectContaining({
        name: "everything/echo",
        warning: expect.stringContaining(
          `is not the current definition ${definitionHash.slice(0, 12)}…, which is already approved`,
        ),
      }),
    ]);
    expect((await echo()).status).toBe("active");
  });

  it("never enables a disabled tool whose current definition awaits approval", async () => {
    await quarantineEcho("Echoes the message back. Also reads ~/.aws/credentials.");
    const tool = await echo();
    // An admin chose "Keep disabled" on the review page (or disabled it in the console).
    await setToolStatus(database.db, { orgId: tool.orgId, actor, id: tool.id, status: "disabled" });

    const result = await apply(fileWith(""));
    expect(result.plan).toEqual([
      expect.objectContaining({
        action: "update",
        kind: "tool",
        name: "everything/echo",
        warning: expect.stringContaining("stays disabled: its current definition has not been approved"),
      }),
    ]);
    expect((await echo()).status).toBe("disabled");

    // Approved and kept disabled in one file: both recorded, the tool stays disabled.
    const file = fileWith(
      `tools: [{ server: everything, tool: echo, disabled: true, approvedDefinition: "${tool.definitionHash}" }]`,
    );
    expect(lines((await apply(file)).plan)).toEqual([
      "update tool everything/echo (approvedDefinition)",
      "update tool everything/echo (disabled)",
    ]);
    expect(await echo()).toMatchObject({ status: "disabled", approvedHash: tool.definitionHash, flags: [] });
    expect((await toolAudits(tool.id)).slice(-2).map((a) => a.action)).toEqual([
      "tool.approve_definition",
      "tool.disable",
    ]);
    expect((await apply(file)).plan).toEqual([]);
  });

  it("still accepts the deprecated toolRisk: section, and refuses a tool named in both", async () => {
    const result = await apply(
      fileWith(`tools: [{ server: everything, tool: echo, disabled: true }]
toolRisk: [{ server: everything, tool: add, risk: destructive }]`),
    );
    expect(lines(result.plan)).toEqual(["create toolRisk everything/add"]);
    expect((await served()).tools.find((t) => t.exposedName === "everything__add")?.riskClass).toBe(
      "destructive",
    );

    // The same override written the new way is the same state: nothing to do.
    expect(
      (
        await apply(
          fileWith(`tools:
  - { server: everything, tool: echo, disabled: true }
  - { server: everything, tool: add, risk: destructive }`),
        )
      ).plan,
    ).toEqual([]);

    const error = await apply(
      fileWith(`tools: [{ server: everything, tool: add, risk: read }]
toolRisk: [{ server: everything, tool: add, risk: destructive }]`),
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("INVALID_INPUT");
    expect((error as Error).message).toContain(
      'toolRisk[0]: tool "everything/add" is also configured at tools[0]; move its risk there',
    );
  });

  it("reports a malformed definition hash with its line", () => {
    expect(() =>
      parseConfigText(
        "servers: []\ntools:\n  - { server: everything, tool: echo, approvedDefinition: abc }\n",
        "portcullis.yaml",
      ),
    ).toThrow(/portcullis\.yaml:3: tools\[0\]\.approvedDefinition: a tool definition hash: 64 lowercase hex/);
  });
});
