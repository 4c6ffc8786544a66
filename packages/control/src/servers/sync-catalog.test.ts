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
import { DEFINITION_CHANGED, syncServerCatalog } from "./sync-catalog";

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
