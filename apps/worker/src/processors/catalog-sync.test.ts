import { type ApiHarness, REDIS_URL, servedSnapshot, startApiHarness } from "@portcullis/api/testing/harness";
import { QUEUES } from "@portcullis/contracts/jobs";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { QueueEvents } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CatalogSyncProcessor, startCatalogSyncProcessor } from "./catalog-sync";

// End to end: the console's servers.sync enqueues, this processor (a real BullMQ worker)
// syncs a real MCP server, and servers.syncStatus reports progress up to 100.
const TOKEN = "catalog-sync-fixture-token";
let h: ApiHarness;
let fixture: FixtureServer;
let growing: FixtureServer;
let processor: CatalogSyncProcessor | undefined;
let events: QueueEvents | undefined;

beforeAll(async () => {
  [h, fixture, growing] = await Promise.all([
    startApiHarness("catalog_sync"),
    startLegacyHttpServer({ requireBearer: TOKEN }),
    startLegacyHttpServer({
      tools: {
        purge: { unlisted: true, description: "Purges.", handler: () => ({ content: [] }) },
        export: { unlisted: true, description: "Exports.", handler: () => ({ content: [] }) },
      },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([fixture?.close(), growing?.close()]);
  await h?.close();
});
beforeEach(async () => {
  h.beginTest();
  processor = startCatalogSyncProcessor({
    db: h.database.db,
    redisUrl: REDIS_URL,
    names: h.names(),
    secretKey: h.secretKey,
    logger: pino({ level: "silent" }),
    upstream: LOOPBACK_TEST_POLICY,
  });
  events = new QueueEvents(QUEUES.catalog, { connection: { url: REDIS_URL }, prefix: h.names().bullPrefix });
  await Promise.all([processor.ready(), events.waitUntilReady()]);
});
afterEach(async () => {
  await Promise.all([processor?.close(), events?.close()]);
});

async function finished(jobId: string, poll: () => Promise<{ state: string }>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await poll();
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("catalog.sync", () => {
  it("syncs a server's tools, reporting each step, then publishes them to the gateways", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "everything",
      transport: "streamable-http",
      url: fixture.url,
      bearer: TOKEN,
    });
    const progress: number[] = [];
    events!.on("progress", ({ data }) => progress.push(data as number));

    const { jobId } = await admin.servers.sync({ id });
    const status = await finished(jobId, () => admin.servers.syncStatus({ jobId }));
    expect(status).toMatchObject({ state: "completed", progress: 100, step: "publishing", error: null });
    const result = (await admin.servers.syncStatus({ jobId })).result!;
    expect(result.added).toEqual(expect.arrayContaining(["echo", "add", "delete-everything"]));
    expect(result.snapshotVersion).not.toBeNull();
    await expect.poll(() => progress).toEqual([10, 50, 80, 100]);

    const tools = await admin.tools.list({ serverId: id });
    expect(tools.items.map((t) => t.exposedName)).toContain("everything__echo");
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.version).toBe(result.snapshotVersion);
    expect(
      served.tools
        .filter((t) => t.serverId === id)
        .map((t) => t.upstreamName)
        .sort(),
    ).toEqual([...result.added].sort());
    const server = (await admin.servers.list()).find((s) => s.id === id)!;
    expect(server).toMatchObject({ health: "healthy", lastError: null, toolCount: result.added.length });
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: id, action: "server.catalog_sync" },
    });
    expect(audit).toMatchObject({ actorType: "user", actorName: "admin@example.com" });

    // Nothing changed upstream: the job completes without a new snapshot.
    const again = await admin.servers.sync({ id });
    const unchanged = await finished(again.jobId, () => admin.servers.syncStatus({ jobId: again.jobId }));
    expect(unchanged).toMatchObject({ state: "completed", progress: 100 });
    expect((await admin.servers.syncStatus({ jobId: again.jobId })).result?.snapshotVersion).toBeNull();
  });

  it("holds a tool the server adds later for review, unless the console marks the server to trust new tools", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "growing",
      transport: "streamable-http",
      url: growing.url,
    });
    expect((await admin.servers.get({ id })).trustNewTools).toBe(false);
    const sync = async () => {
      const { jobId } = await admin.servers.sync({ id });
      expect(await finished(jobId, () => admin.servers.syncStatus({ jobId }))).toMatchObject({
        state: "completed",
      });
      return (await admin.servers.syncStatus({ jobId })).result!;
    };
    await sync();

    growing.listTool("purge");
    const second = await sync();
    expect(second.added).toEqual(["purge"]);
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.version).toBe(second.snapshotVersion);
    expect(served.tools.find((t) => t.exposedName === "growing__purge")).toMatchObject({
      status: "quarantined",
      newTool: true,
    });
    // Quarantined: only the new tool (the others are in the queue for sharing names with "everything").
    const held = async () =>
      (await admin.review.list({ serverId: id })).items.filter((t) => t.status === "quarantined");
    const queue = await held();
    expect(queue.map((t) => [t.exposedName, t.reasons.map((r) => r.kind)])).toEqual([
      ["growing__purge", ["new_tool"]],
    ]);
    const diff = await admin.review.diff({ id: queue[0]!.id });
    expect(diff.approved).toBeNull();
    expect(diff.current.description).toBe("Purges.");
    expect(
      await admin.review.approve({ id: diff.tool.id, definitionHash: diff.tool.definitionHash }),
    ).toEqual({
      id: diff.tool.id,
      changed: true,
    });
    expect(await held()).toEqual([]);

    // Trusting new tools is a server setting the console changes, audited like any other.
    expect(await admin.servers.update({ id, trustNewTools: true })).toEqual({
      id,
      changed: ["trustNewTools"],
    });
    expect((await admin.servers.get({ id })).trustNewTools).toBe(true);
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: id, action: "server.update" },
    });
    expect(audit).toMatchObject({ actorName: "admin@example.com" });
    expect(audit.details).toMatchObject({ changes: { trustNewTools: { from: false, to: true } } });
    const member = await h.as("member");
    await expect(member.servers.update({ id, trustNewTools: false })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });

    growing.listTool("export");
    expect((await sync()).added).toEqual(["export"]);
    expect(await held()).toEqual([]);
    const tools = await admin.tools.list({ serverId: id });
    expect(tools.items.find((t) => t.exposedName === "growing__export")).toMatchObject({ status: "active" });
  });

  it("fails with the upstream's reason and marks the server unhealthy", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "unreachable",
      transport: "streamable-http",
      url: `http://127.0.0.1:${await freePort()}/mcp`,
    });
    const { jobId } = await admin.servers.sync({ id });
    const status = await finished(jobId, () => admin.servers.syncStatus({ jobId }));
    expect(status).toMatchObject({ state: "failed", result: null });
    expect((await admin.servers.syncStatus({ jobId })).error).toMatch(
      /^catalog sync of server "unreachable" failed: /,
    );
    expect((await admin.servers.list()).find((s) => s.id === id)).toMatchObject({
      health: "unhealthy",
      toolCount: 0,
    });
  });
});
