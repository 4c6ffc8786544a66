import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../servers/create-server";
import { getServer } from "../servers/get-server";
import { NEW_TOOL, syncServerCatalog } from "../servers/sync-catalog";
import { updateServer } from "../servers/update-server";
import { applyAndPublish } from "./apply-and-publish";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// Issue 10 point 12: whether a server's later tools skip review is a server setting, the same
// through the file and the console, and every change of it is in the admin log.
const secretKey = secretKeyFrom("apply-trust-new-tools-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
const admin = { type: "user" as const, name: "admin@example.com" };
let database: TestDatabase;

const FILE = (settings: string) => `
servers:
  - name: helper
    transport: streamable-http
    url: https://helper.example.com/mcp
${settings}
`;
const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), { actor, env: {}, secretKey });
const helper = () => database.db.server.findFirstOrThrow({ where: { name: "helper" } });
const lastUpdate = () =>
  database.db.adminAuditLog.findFirstOrThrow({
    where: { action: "server.update" },
    orderBy: { createdAt: "desc" },
  });

let fixture: FixtureServer;
let pool: UpstreamPool;
let redis: Redis;
const names = testRedisNames("control-apply-trust-new-tools");

beforeAll(async () => {
  [database, fixture] = await Promise.all([
    createTestDatabase({ name: "control_apply_trust_new_tools" }),
    startLegacyHttpServer({
      tools: {
        purge: { unlisted: true, description: "Purges.", handler: () => ({ content: [] }) },
        export: { unlisted: true, description: "Exports.", handler: () => ({ content: [] }) },
      },
    }),
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

describe("trustNewTools", () => {
  it("defaults to off: new tools wait for review", async () => {
    await apply(FILE(""));
    expect((await helper()).trustNewTools).toBe(false);
    expect(await apply(FILE(""))).toEqual([]);
  });

  it("is set by the file, audited, and applying the same file again changes nothing", async () => {
    const plan = await apply(FILE("    trustNewTools: true"));
    expect(plan).toContainEqual(
      expect.objectContaining({ action: "update", name: "helper", fields: ["trustNewTools"] }),
    );
    expect((await lastUpdate()).details).toMatchObject({
      changes: { trustNewTools: { from: false, to: true } },
    });
    const row = await helper();
    expect(await getServer(database.db, { orgId: row.orgId, id: row.id, secretKey })).toMatchObject({
      trustNewTools: true,
    });
    expect(await apply(FILE("    trustNewTools: true"))).toEqual([]);
  });

  it("round-trips with the console: a console change is audited and the file puts it back", async () => {
    const row = await helper();
    const changed = await updateServer(database.db, {
      orgId: row.orgId,
      actor: admin,
      secretKey,
      id: row.id,
      changes: { trustNewTools: false },
    });
    expect(changed.changed).toEqual(["trustNewTools"]);
    const update = await lastUpdate();
    expect(update).toMatchObject({ actorName: "admin@example.com" });
    expect(update.details).toMatchObject({ changes: { trustNewTools: { from: true, to: false } } });
    // The console's own value again is no change.
    expect(
      (
        await updateServer(database.db, {
          orgId: row.orgId,
          actor: admin,
          secretKey,
          id: row.id,
          changes: { trustNewTools: false },
        })
      ).changed,
    ).toEqual([]);

    const plan = await apply(FILE("    trustNewTools: true"));
    expect(plan).toContainEqual(
      expect.objectContaining({ action: "update", name: "helper", fields: ["trustNewTools"] }),
    );
    expect((await helper()).trustNewTools).toBe(true);
  });

  it("is taken by the console and the file on create, and said in the creation's audit row", async () => {
    const org = await database.db.organization.findFirstOrThrow();
    const created = await createServer(database.db, {
      orgId: org.id,
      actor: admin,
      secretKey,
      fields: {
        name: "trusted",
        transport: "streamable-http",
        url: "https://t.example.com/mcp",
        trustNewTools: true,
      },
    });
    expect((await database.db.server.findUniqueOrThrow({ where: { id: created.id } })).trustNewTools).toBe(
      true,
    );
    const audit = await database.db.adminAuditLog.findFirstOrThrow({
      where: { action: "server.create", targetId: created.id },
    });
    expect(audit.details).toMatchObject({ trustNewTools: true });

    // The console-made server, written into the file as it is: no change.
    const both = `${FILE("    trustNewTools: true")}
  - name: trusted
    transport: streamable-http
    url: https://t.example.com/mcp
    trustNewTools: true
`;
    expect(await apply(both)).toEqual([]);
  });

  it("refuses a value that is not a boolean, naming the field, with nothing applied", () => {
    expect(() => parseConfigText(FILE('    trustNewTools: "yes"'), "portcullis.yaml")).toThrow(
      "portcullis.yaml:6: servers[0].trustNewTools: Invalid input: expected boolean, received string",
    );
  });

  it("lets the file approve a held new tool by its hash, and trust the next one in the same apply", async () => {
    const upstream = (settings: string, tools = "") => `
servers:
  - name: growing
    transport: streamable-http
    url: "${fixture.url}"
${settings}
${tools}`;
    const applyAll = (text: string) =>
      applyAndPublish(
        { db: database.db, redis, names, pool, secretKey },
        parseConfigText(text, "portcullis.yaml"),
        {
          actor,
          env: {},
        },
      );
    await applyAll(upstream(""));
    const server = await database.db.server.findFirstOrThrow({ where: { name: "growing" } });
    fixture.listTool("purge");
    await syncServerCatalog(database.db, pool, server.id, { secretKey, actor });
    const purge = await database.db.tool.findFirstOrThrow({ where: { exposedName: "growing__purge" } });
    expect(purge).toMatchObject({ status: "quarantined", flags: [NEW_TOOL] });

    const approving = `tools:
  - { server: growing, tool: purge, approvedDefinition: ${purge.definitionHash} }`;
    await applyAll(upstream("", approving));
    expect(await database.db.tool.findUniqueOrThrow({ where: { id: purge.id } })).toMatchObject({
      status: "active",
      flags: [],
      approvedHash: purge.definitionHash,
    });

    // The setting changes the server, so this apply syncs it after the change: trusted already.
    fixture.listTool("export");
    const applied = await applyAll(upstream("    trustNewTools: true", approving));
    expect(applied.syncs.growing).toMatchObject({ added: ["export"] });
    expect(
      await database.db.tool.findFirstOrThrow({ where: { exposedName: "growing__export" } }),
    ).toMatchObject({
      status: "active",
      flags: [],
    });
  });
});
