import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFile } from "@portcullis/contracts/config-file";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { syncServerCatalog } from "@portcullis/control/servers/sync-catalog";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { approveToolDefinition } from "@portcullis/control/tools/review/approve-tool-definition";
import { getToolDiff } from "@portcullis/control/tools/review/get-tool-diff";
import { listToolsForReview } from "@portcullis/control/tools/review/list-tools-for-review";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { CLIENTS } from "./testing/clients";
import { startTestGateway, TEST_SECRET_KEY, waitForVersion } from "./testing/gateway-harness";

// Issue 10 point 12 end to end: an upstream that adds a tool after its server's first sync
// does not reach agents through an old `*` grant until an admin approves it, unless the
// server is marked to trust new tools. Real fixture servers, catalog sync, snapshot, gateway.
const names = testRedisNames("new-tools");
const redis = new Redis({ maxRetriesPerRequest: 1 });
const admin = { type: "user" as const, id: "usr_admin", name: "admin@example.com" };
const laterTool = (text: string) => ({
  unlisted: true,
  description: `${text}.`,
  handler: () => ({ content: [{ type: "text" as const, text }] }),
});
let database: TestDatabase;
let files: FixtureServer;
let notes: FixtureServer;
let pool: UpstreamPool;
let gateway: RunningGateway;
let spoolDir: string;
let agentKey: string;
let orgId: string;
const serverIds: Record<string, string> = {};

beforeAll(async () => {
  [database, files, notes] = await Promise.all([
    createTestDatabase({ name: "gw_new_tools" }),
    startLegacyHttpServer({ tag: "files", tools: { purge: laterTool("purged") } }),
    startLegacyHttpServer({ tag: "notes", tools: { archive: laterTool("archived") } }),
  ]);
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const file = configFile.parse({
    servers: [
      { name: "files", transport: "streamable-http", url: files.url },
      { name: "notes", transport: "streamable-http", url: notes.url, trustNewTools: true },
    ],
    teams: [{ name: "platform" }],
    agents: [{ name: "ci-bot", team: "platform" }],
    grants: [
      { team: "platform", server: "files", tools: ["*"], effect: "allow" },
      { team: "platform", server: "notes", tools: ["*"], effect: "allow" },
    ],
  });
  const actor = { type: "cli" as const, name: "new-tools-test" };
  const applied = await applyAndPublish(
    { db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY },
    file,
    { actor, env: {} },
  );
  expect(applied.syncs.files).not.toHaveProperty("error");
  expect(applied.syncs.notes).not.toHaveProperty("error");
  for (const server of await database.db.server.findMany()) {
    serverIds[server.name] = server.id;
    orgId = server.orgId;
  }
  agentKey = (await createApiKey(database.db, { agentName: "ci-bot", actor })).key;
  spoolDir = await mkdtemp(join(tmpdir(), "pc-new-tools-spool-"));
  gateway = await startTestGateway({ names, spoolDir });
  await publish("keys");
}, 120_000);

afterAll(async () => {
  await gateway?.close(2_000);
  await pool?.close();
  await Promise.all([files?.close(), notes?.close()]);
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

async function publish(summary: string): Promise<void> {
  const { version } = await publishSnapshot(database.db, redis, names, {
    secretKey: TEST_SECRET_KEY,
    createdBy: "new-tools-test",
    summary,
  });
  await waitForVersion(gateway, version);
}

describe("a tool first listed after its server's first sync", () => {
  it("is neither listed nor callable until an admin approves it; a server trusting new tools serves it at once", async () => {
    const client = await CLIENTS[0].connect(gateway.url, agentKey);
    const before = (await client.listTools()).tools.map((t) => t.name);
    expect(before).toEqual(expect.arrayContaining(["files__echo", "notes__echo"]));
    expect(before).not.toContain("files__purge");

    // Both upstreams add a tool; the next sync (the worker's, the CLI's, apply's) finds it.
    files.listTool("purge");
    notes.listTool("archive");
    for (const server of ["files", "notes"]) {
      const sync = await syncServerCatalog(database.db, pool, serverIds[server]!, {
        secretKey: TEST_SECRET_KEY,
      });
      expect(sync.added).toHaveLength(1);
    }
    await publish("catalog sync");

    const during = (await client.listTools()).tools.map((t) => t.name);
    expect(during).toContain("notes__archive");
    expect(during).not.toContain("files__purge");
    expect((await client.callTool("notes__archive", {})).content).toEqual([
      { type: "text", text: "archived" },
    ]);
    const callsBefore = files.calls;
    await expect(client.callTool("files__purge", {})).rejects.toThrow(
      /tool 'files__purge' is quarantined: its server added it after the first sync, and it waits for an administrator to approve it \(console: Review\)/,
    );
    expect(files.calls).toBe(callsBefore);

    const queued = (await listToolsForReview(database.db, orgId)).items.find(
      (t) => t.exposedName === "files__purge",
    )!;
    expect(queued.reasons.map((r) => r.kind)).toEqual(["new_tool"]);
    const diff = await getToolDiff(database.db, orgId, queued.id);
    expect(diff.approved).toBeNull();
    await approveToolDefinition(database.db, {
      orgId,
      toolId: queued.id,
      definitionHash: diff.tool.definitionHash,
      actor: admin,
    });
    await publish("approve files__purge");

    expect((await client.listTools()).tools.map((t) => t.name)).toContain("files__purge");
    expect((await client.callTool("files__purge", {})).content).toEqual([{ type: "text", text: "purged" }]);
    await client.close();
  });
});
