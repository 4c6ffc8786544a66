import { type ApiHarness, REDIS_URL, startApiHarness } from "@portcullis/api/testing/harness";
import { STDIO_FIXTURE_PATH } from "@portcullis/testkit/fixture-servers";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CatalogSyncProcessor, startCatalogSyncProcessor } from "./catalog-sync";

// The console's "Test connection" of a stdio server: servers.testConnection enqueues a
// server.connection_test job, this processor (a real BullMQ worker) starts the server under
// the operator's stdio policy, and the console gets the answer. The console never spawns.
let h: ApiHarness;
let processor: CatalogSyncProcessor | undefined;

beforeAll(async () => {
  h = await startApiHarness("connection_test");
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => h.beginTest());
afterEach(async () => {
  await processor?.close();
  processor = undefined;
});

async function startWorker(allow: string[]): Promise<void> {
  processor = startCatalogSyncProcessor({
    db: h.database.db,
    redisUrl: REDIS_URL,
    names: h.names(),
    secretKey: h.secretKey,
    logger: pino({ level: "silent" }),
    upstream: { outbound: LOOPBACK_TEST_POLICY.outbound, stdio: { allow, sandbox: "none" } },
  });
  await processor.ready();
}

const stdioServer = {
  name: "local-fixture",
  transport: "stdio" as const,
  command: process.execPath,
  args: [STDIO_FIXTURE_PATH],
  env: { FIXTURE_TAG: "worker-tested" },
};

describe("stdio connection tests run in the worker", () => {
  it("tests a saved stdio server in the worker, and audits the test and the launch with the command line", async () => {
    await startWorker([process.execPath]);
    const admin = await h.as("admin");
    const { id } = await admin.servers.create(stdioServer);
    const result = await admin.servers.testConnection({ id });
    expect(result).toMatchObject({ ok: true });
    expect(result.toolNames).toEqual(expect.arrayContaining(["echo"]));

    const commandLine = `${process.execPath} ${STDIO_FIXTURE_PATH}`;
    const rows = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => [r.action, r.actorName])).toEqual([
      ["server.create", "admin@example.com"],
      ["server.stdio_launch", "worker"],
      ["server.test_connection", "admin@example.com"],
    ]);
    expect(rows[1]?.details).toMatchObject({ commandLine, sandbox: "none", network: true });
    expect(rows[2]?.details).toMatchObject({ commandLine, ok: true, transport: "stdio" });
    expect(
      JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ).not.toContain("worker-tested");
  });

  it("answers with the worker's refusal when the operator did not allow the command", async () => {
    await startWorker(["npx"]);
    const admin = await h.as("admin");
    const result = await admin.servers.testConnection({ spec: stdioServer });
    expect(result.ok).toBe(false);
    expect(result.error).toContain(
      `the stdio command '${process.execPath} ${STDIO_FIXTURE_PATH}' is not allowed`,
    );
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { action: "server.test_connection", orgId: h.orgId },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.details).toMatchObject({ ok: false, name: "local-fixture" });
  });
});
