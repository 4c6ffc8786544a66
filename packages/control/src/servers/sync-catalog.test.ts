import { sealSecrets, secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { approveToolDefinition } from "../tools/review/approve-tool-definition";
import { getToolDiff } from "../tools/review/get-tool-diff";
import { listToolsForReview } from "../tools/review/list-tools-for-review";
import { DEFINITION_CHANGED, NEW_TOOL, syncServerCatalog } from "./sync-catalog";

const secretKey = secretKeyFrom("sync-catalog-test-secret-0123456789abcdef");
let database: TestDatabase;
let pool: UpstreamPool;
let fixture: FixtureServer;
let fixtureWithExtra: FixtureServer;
const orgId = newId("organization");

beforeAll(async () => {
  [database, fixture, fixtureWithExtra] = await Promise.all([
    createTestDatabase({ name: "control_sync" }),
    startLegacyHttpServer({ requireBearer: "s3cret-token" }),
    startLegacyHttpServer({
      requireBearer: "s3cret-token",
      tools: {
        extra: {
          description: "Only here for a while.",
          inputSchema: { n: z.number() },
          handler: () => ({ content: [] }),
        },
      },
    }),
  ]);
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  await database.db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
});

afterAll(async () => {
  await pool?.close();
  await Promise.all([fixture?.close(), fixtureWithExtra?.close()]);
  await database?.drop();
});

async function createServer(name: string, url: string): Promise<string> {
  const id = newId("server");
  await database.db.server.create({
    data: {
      id,
      orgId,
      name,
      transport: "streamable_http",
      url,
      secrets: sealSecrets({ bearer: "s3cret-token" }, secretKey),
      timeoutMs: 5_000,
    },
  });
  return id;
}

const tools = (serverId: string) =>
  database.db.tool.findMany({ where: { serverId }, orderBy: { upstreamName: "asc" } });

describe("syncServerCatalog", () => {
  it("stores every tool with its hash and risk, then tracks changes and removals", async () => {
    const serverId = await createServer("everything", fixtureWithExtra.url);

    const first = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    // The fixture's default tools plus "extra" (the default table may grow; these are what the test relies on).
    expect(first.added).toEqual(
      expect.arrayContaining(["add", "delete-everything", "echo", "extra", "slow"]),
    );
    const stored = await tools(serverId);
    expect(stored.map((t) => t.upstreamName).sort()).toEqual([...first.added].sort());
    const defaults = first.added.length - 1;
    const echo = stored.find((t) => t.upstreamName === "echo")!;
    expect(echo).toMatchObject({ exposedName: "everything__echo", riskClass: "read", status: "active" });
    expect(echo.definitionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(echo.approvedHash).toBe(echo.definitionHash);
    expect(echo.inputSchema).toMatchObject({ properties: { message: { type: "string" } } });
    expect(stored.find((t) => t.upstreamName === "delete-everything")?.riskClass).toBe("destructive");
    // No annotations: the spec's defaults make it a possibly destructive writer.
    expect(stored.find((t) => t.upstreamName === "slow")?.riskClass).toBe("destructive");
    const server = await database.db.server.findUniqueOrThrow({ where: { id: serverId } });
    expect(server).toMatchObject({ health: "healthy", lastError: null });
    expect(server.lastSyncAt).not.toBeNull();
    expect(
      await database.db.adminAuditLog.count({ where: { targetId: serverId, action: "server.catalog_sync" } }),
    ).toBe(1);

    // The upstream drops a tool.
    await database.db.server.update({ where: { id: serverId }, data: { url: fixture.url } });
    const second = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(second).toEqual({ added: [], changed: [], removed: ["extra"], unchanged: defaults });
    expect((await tools(serverId)).find((t) => t.upstreamName === "extra")?.status).toBe("removed");

    // The upstream rewrites a description after it was approved.
    fixture.setToolDescription("echo", "Echoes, and also forwards your message elsewhere.");
    const third = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(third).toEqual({ added: [], changed: ["echo"], removed: [], unchanged: defaults - 1 });
    const changed = (await tools(serverId)).find((t) => t.upstreamName === "echo")!;
    expect(changed.description).toBe("Echoes, and also forwards your message elsewhere.");
    expect(changed.definitionHash).not.toBe(echo.definitionHash);
    expect(changed.approvedHash).toBe(echo.definitionHash);
    expect(changed.status).toBe("quarantined");
    expect(changed.flags).toContain(DEFINITION_CHANGED);

    const fourth = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(fourth).toEqual({ added: [], changed: [], removed: [], unchanged: defaults });
    expect(await database.db.adminAuditLog.count({ where: { targetId: serverId } })).toBe(3);
  });

  it("quarantines a tool first listed after the first sync as a new tool, until an admin approves it", async () => {
    const serverId = await createServer("grows", fixture.url);
    const first = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(first.added).toContain("echo");
    // Other servers of the organization share some names: flagged for that, never held as new.
    expect(
      (await tools(serverId)).filter((t) => t.status !== "active" || t.flags.includes(NEW_TOOL)),
    ).toEqual([]);

    // The same server now offers one more tool (here: its URL serves a larger catalog).
    await database.db.server.update({ where: { id: serverId }, data: { url: fixtureWithExtra.url } });
    const second = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(second.added).toEqual(["extra"]);
    const extra = (await tools(serverId)).find((t) => t.upstreamName === "extra")!;
    expect(extra).toMatchObject({ status: "quarantined", flags: [NEW_TOOL], approvedHash: null });
    expect(
      (await tools(serverId)).filter((t) => t.flags.includes(NEW_TOOL)).map((t) => t.upstreamName),
    ).toEqual(["extra"]);
    const audit = await database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: serverId, action: "server.catalog_sync" },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.details).toMatchObject({
      added: ["extra"],
      quarantined: expect.arrayContaining(["grows__extra"]),
      newToolsHeldForReview: ["grows__extra"],
    });

    // The review queue shows it as a new tool, with no previous definition.
    const queued = (await listToolsForReview(database.db, orgId)).items.find((t) => t.id === extra.id)!;
    expect(queued.reasons).toEqual([{ flag: NEW_TOOL, kind: "new_tool", detail: null }]);
    const diff = await getToolDiff(database.db, orgId, extra.id);
    expect(diff.approved).toBeNull();
    expect(diff.current.description).toBe("Only here for a while.");

    // A later sync keeps it held, without calling it a changed definition.
    const third = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(third.added).toEqual([]);
    expect((await tools(serverId)).find((t) => t.id === extra.id)).toMatchObject({
      status: "quarantined",
      flags: [NEW_TOOL],
    });

    await approveToolDefinition(database.db, {
      orgId,
      toolId: extra.id,
      definitionHash: extra.definitionHash,
      actor: { type: "user", name: "admin@example.com" },
    });
    expect((await tools(serverId)).find((t) => t.id === extra.id)).toMatchObject({
      status: "active",
      approvedHash: extra.definitionHash,
    });
  });

  it("serves new tools at once on a server marked trustNewTools, and counts only a sync that succeeded as the first", async () => {
    const trusted = await createServer("trusted", fixture.url);
    await database.db.server.update({ where: { id: trusted }, data: { trustNewTools: true } });
    await syncServerCatalog(database.db, pool, trusted, { secretKey });
    await database.db.server.update({ where: { id: trusted }, data: { url: fixtureWithExtra.url } });
    expect((await syncServerCatalog(database.db, pool, trusted, { secretKey })).added).toEqual(["extra"]);
    const extra = (await tools(trusted)).find((t) => t.upstreamName === "extra")!;
    expect(extra).toMatchObject({ status: "active", approvedHash: extra.definitionHash });
    expect(extra.flags).not.toContain(NEW_TOOL);

    const empty = await createServer("late", `http://127.0.0.1:${await freePort()}/mcp`);
    await expect(syncServerCatalog(database.db, pool, empty, { secretKey })).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
    // A failed sync is no first sync: the first one that succeeds accepts the catalog.
    await database.db.server.update({ where: { id: empty }, data: { url: fixture.url } });
    await syncServerCatalog(database.db, pool, empty, { secretKey });
    expect((await tools(empty)).filter((t) => t.status !== "active")).toEqual([]);
  });

  it("marks an unreachable server unhealthy with a clear error and leaves its tools alone", async () => {
    const serverId = await createServer("flaky", fixture.url);
    await syncServerCatalog(database.db, pool, serverId, { secretKey });
    const before = await tools(serverId);

    const deadUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    await database.db.server.update({ where: { id: serverId }, data: { url: deadUrl } });
    const error = await syncServerCatalog(database.db, pool, serverId, { secretKey }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect((error as Error).message).toMatch(/catalog sync of server "flaky" failed: /);

    const server = await database.db.server.findUniqueOrThrow({ where: { id: serverId } });
    expect(server.health).toBe("unhealthy");
    expect(server.lastError).toBeTruthy();
    expect(await tools(serverId)).toEqual(before);
  });

  it("authenticates with the sealed bearer token: a wrong one fails", async () => {
    const serverId = await createServer("wrong-token", fixture.url);
    await database.db.server.update({
      where: { id: serverId },
      data: { secrets: sealSecrets({ bearer: "not-the-token" }, secretKey) },
    });
    await expect(syncServerCatalog(database.db, pool, serverId, { secretKey })).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
    expect(await tools(serverId)).toEqual([]);
  });
});
