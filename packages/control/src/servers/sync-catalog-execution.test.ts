import { secretKeyFrom } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import type { FixtureServer } from "@portcullis/testkit/fixture-servers";
import { startTaskToolServer } from "@portcullis/testkit/task-tool-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { syncServerCatalog } from "./sync-catalog";

// Issue 9 point 2: a tool's `execution.taskSupport` (2025-11-25 tasks) is stored by the
// catalog sync and carried in the snapshot, so that tools/list can tell clients.
const secretKey = secretKeyFrom("sync-catalog-execution-secret-0123456789abcdef");
let database: TestDatabase;
let pool: UpstreamPool;
const fixtures: FixtureServer[] = [];
const orgId = newId("organization");

/** A server whose task tool `brew` has the given taskSupport (same definition otherwise). */
const taskServer = (taskSupport: "optional" | "required") =>
  startTaskToolServer(`exec-${taskSupport}`, { brew: taskSupport });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_sync_execution" });
  fixtures.push(await taskServer("optional"), await taskServer("required"));
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  await database.db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme-exec" } });
});

afterAll(async () => {
  await pool?.close();
  await Promise.all(fixtures.map((f) => f.close()));
  await database?.drop();
});

describe("syncServerCatalog and a tool's execution", () => {
  it("stores taskSupport, carries it in the snapshot, and takes a change without a review", async () => {
    const serverId = newId("server");
    await database.db.server.create({
      data: {
        id: serverId,
        orgId,
        name: "kitchen",
        transport: "streamable_http",
        url: fixtures[0]!.url,
        timeoutMs: 5_000,
      },
    });
    await syncServerCatalog(database.db, pool, serverId, { secretKey });
    const brew = () => database.db.tool.findFirstOrThrow({ where: { serverId, upstreamName: "brew" } });
    const echo = () => database.db.tool.findFirstOrThrow({ where: { serverId, upstreamName: "echo" } });
    expect((await brew()).execution).toEqual({ taskSupport: "optional" });
    // The v1 SDK lists its plain tools as task-forbidden on a server with tasks.
    expect((await echo()).execution).toEqual({ taskSupport: "forbidden" });

    const snapshotTool = async (name: string) =>
      (await compileSnapshot(database.db, 1, { orgId })).tools.find((t) => t.upstreamName === name);
    expect((await snapshotTool("brew"))?.execution).toEqual({ taskSupport: "optional" });
    expect((await snapshotTool("echo"))?.execution).toEqual({ taskSupport: "forbidden" });
    const before = await brew();

    // The same server now requires a task: stored at once, the tool stays active and unflagged
    // (how a tool may be called is no part of what a model is told).
    await database.db.server.update({ where: { id: serverId }, data: { url: fixtures[1]!.url } });
    const second = await syncServerCatalog(database.db, pool, serverId, { secretKey });
    expect(second.changed).not.toContain("brew");
    const after = await brew();
    expect(after.execution).toEqual({ taskSupport: "required" });
    expect(after).toMatchObject({ status: "active", flags: [], definitionHash: before.definitionHash });
    expect((await snapshotTool("brew"))?.execution).toEqual({ taskSupport: "required" });
  });
});
