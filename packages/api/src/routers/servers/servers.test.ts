import { openSecrets } from "@portcullis/auth/secrets";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";

let h: ApiHarness;
let fixture: FixtureServer;
const TOKEN = "fixture-bearer-token-s3cret";

beforeAll(async () => {
  [h, fixture] = await Promise.all([
    startApiHarness("servers"),
    startLegacyHttpServer({ requireBearer: TOKEN }),
  ]);
});
afterAll(async () => {
  await fixture?.close();
  await h?.close();
});
beforeEach(() => h.beginTest());

describe("servers · happy path", () => {
  it("creates a server with sealed secrets, audits it in the same change and publishes a snapshot", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "everything",
      transport: "streamable-http",
      url: fixture.url,
      bearer: TOKEN,
      headers: { "X-Team": "platform-secret-header" },
      description: "The fixture",
    });

    const row = await h.database.db.server.findUniqueOrThrow({ where: { id } });
    expect(row.orgId).toBe(h.orgId);
    expect(row.secrets).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    expect(openSecrets(row.secrets!, h.secretKey)).toEqual({
      bearer: TOKEN,
      headers: { "X-Team": "platform-secret-header" },
    });

    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({ where: { targetId: id } });
    expect(audit).toMatchObject({
      action: "server.create",
      actorType: "user",
      actorName: "admin@example.com",
    });
    expect(JSON.stringify(audit.details)).not.toContain(TOKEN);

    const served = await servedSnapshot(h.redis, h.names());
    expect(served.servers.find((s) => s.id === id)).toMatchObject({
      name: "everything",
      secrets: row.secrets,
    });
    const stored = await h.database.db.configSnapshot.findUniqueOrThrow({
      where: { version: served.version },
    });
    expect(stored.summary).toBe("servers.create everything by admin@example.com");

    // Nothing a procedure returns carries a secret value, only that there are some.
    const listed = await admin.servers.list();
    const detail = await admin.servers.get({ id });
    for (const output of [listed, detail]) {
      expect(JSON.stringify(output)).not.toContain(TOKEN);
      expect(JSON.stringify(output)).not.toContain("platform-secret-header");
    }
    expect(listed.find((s) => s.id === id)).toMatchObject({
      name: "everything",
      transport: "streamable-http",
      hasSecrets: true,
      health: "unknown",
      toolCount: 0,
    });
    expect(detail.secretNames).toEqual({ headers: ["X-Team"], bearer: true, env: [] });
  });

  it("tests a connection with the stored secret, with unsaved edits, and as an unsaved spec", async () => {
    const admin = await h.as("admin");
    const spec = { name: "probe", transport: "streamable-http" as const, url: fixture.url, bearer: TOKEN };
    const unsaved = await admin.servers.testConnection({ spec });
    expect(unsaved).toMatchObject({ ok: true, protocolVersion: "2025-11-25" });
    expect(unsaved.toolNames).toEqual(expect.arrayContaining(["echo", "add"]));
    expect(unsaved.toolCount).toBeGreaterThanOrEqual(5);
    expect(await h.database.db.server.count({ where: { name: "probe" } })).toBe(0);

    const { id } = await admin.servers.create(spec);
    expect((await admin.servers.testConnection({ id })).ok).toBe(true);
    const wrongToken = await admin.servers.testConnection({ id, changes: { bearer: "not-the-token" } });
    expect(wrongToken.ok).toBe(false);
    expect(wrongToken.error).toMatch(/401|unauthori/i);
    expect(wrongToken.error).not.toContain(TOKEN);

    const dead = `http://127.0.0.1:${await freePort()}/mcp`;
    const unreachable = await admin.servers.testConnection({ spec: { ...spec, name: "dead", url: dead } });
    expect(unreachable).toMatchObject({ ok: false, latencyMs: null });
  });

  it("updates: undefined keeps a secret, null clears it; renaming renames the exposed tool names", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "renamed-later",
      transport: "streamable-http",
      url: fixture.url,
      bearer: TOKEN,
    });
    await h.database.db.tool.create({
      data: {
        id: "tool_renamed_echo",
        orgId: h.orgId,
        serverId: id,
        upstreamName: "echo",
        exposedName: "renamed-later__echo",
        inputSchema: { type: "object" },
        definitionHash: "h",
      },
    });

    expect(await admin.servers.update({ id, description: "kept secret" })).toEqual({
      id,
      changed: ["description"],
    });
    let row = await h.database.db.server.findUniqueOrThrow({ where: { id } });
    expect(openSecrets(row.secrets!, h.secretKey)).toEqual({ bearer: TOKEN });

    expect((await admin.servers.update({ id, name: "renamed" })).changed).toEqual(["name"]);
    const tool = await h.database.db.tool.findUniqueOrThrow({ where: { id: "tool_renamed_echo" } });
    expect(tool.exposedName).toBe("renamed__echo");

    expect((await admin.servers.update({ id, bearer: null })).changed).toEqual(["secrets"]);
    row = await h.database.db.server.findUniqueOrThrow({ where: { id } });
    expect(row.secrets).toBeNull();
    expect(await admin.servers.update({ id, description: "kept secret" })).toEqual({ id, changed: [] });

    // Switching to stdio drops the URL; the stdio environment is sealed like apply does.
    await admin.servers.update({
      id,
      transport: "stdio",
      command: "node",
      args: ["x.js"],
      env: { API_KEY: "env-s3cret" },
    });
    row = await h.database.db.server.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ transport: "stdio", url: null, command: "node", args: ["x.js"], env: null });
    expect(openSecrets(row.secrets!, h.secretKey)).toEqual({ env: { API_KEY: "env-s3cret" } });
    expect(JSON.stringify(await admin.servers.get({ id }))).not.toContain("env-s3cret");
  });

  it("disables, re-enables and deletes a server; each publishes a snapshot", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "short-lived",
      transport: "sse",
      url: "http://127.0.0.1:1/sse",
    });
    await admin.servers.setStatus({ id, status: "disabled" });
    expect((await servedSnapshot(h.redis, h.names())).servers.find((s) => s.id === id)?.status).toBe(
      "disabled",
    );
    await admin.servers.setStatus({ id, status: "active" });
    await admin.servers.delete({ id });
    expect((await servedSnapshot(h.redis, h.names())).servers.find((s) => s.id === id)).toBeUndefined();
    const actions = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual([
      "server.create",
      "server.disable",
      "server.enable",
      "server.delete",
    ]);
  });

  it("imports a Claude Desktop / Cursor mcp.json, with a dry run first", async () => {
    const admin = await h.as("admin");
    await admin.servers.create({ name: "taken", transport: "sse", url: "http://127.0.0.1:1/sse" });
    const json = JSON.stringify({
      mcpServers: {
        "Memory Server": {
          command: "npx",
          args: ["-y", "@modelcontextprotocol/server-memory"],
          env: { TOKEN: "m3m" },
        },
        remote: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer r3mote" } },
        legacy: { type: "sse", url: "https://mcp.example.com/sse" },
        taken: { url: "https://mcp.example.com/other" },
        broken: { args: ["nothing to run"] },
        "bad-url": { url: "not a url" },
      },
    });
    const dry = await admin.servers.importMcpJson({ json, dryRun: true });
    expect(dry.created).toEqual(["memory-server", "remote", "legacy"]);
    expect(await h.database.db.server.count({ where: { name: "remote" } })).toBe(0);

    const result = await admin.servers.importMcpJson({ json });
    expect(result.created).toEqual(["memory-server", "remote", "legacy"]);
    expect(result.renamed).toEqual([{ from: "Memory Server", to: "memory-server" }]);
    expect(result.skipped.map((s) => s.name)).toEqual(["taken", "broken", "bad-url"]);
    expect(result.skipped[0]!.reason).toBe('a server named "taken" already exists');

    const servers = await admin.servers.list();
    expect(servers.find((s) => s.name === "legacy")?.transport).toBe("sse");
    expect(servers.find((s) => s.name === "memory-server")).toMatchObject({
      transport: "stdio",
      hasSecrets: true,
    });
    expect(JSON.stringify(servers)).not.toContain("r3mote");
    const remote = await h.database.db.server.findFirstOrThrow({ where: { name: "remote" } });
    expect(openSecrets(remote.secrets!, h.secretKey)).toEqual({
      headers: { Authorization: "Bearer r3mote" },
    });
  });

  it("enqueues a catalog sync and reports its status", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "to-sync",
      transport: "streamable-http",
      url: fixture.url,
    });
    const { jobId } = await admin.servers.sync({ id });
    // A second click while the first job waits returns the same job.
    expect((await admin.servers.sync({ id })).jobId).toBe(jobId);
    // No worker consumes this test's prefix: the job waits at 0 %.
    expect(await (await h.as("auditor")).servers.syncStatus({ jobId })).toMatchObject({
      state: "waiting",
      progress: 0,
      serverId: id,
    });
  });
});

describe("servers · errors", () => {
  it("validates like the config file, field by field", async () => {
    const admin = await h.as("admin");
    const noUrl = await caught(admin.servers.create({ name: "no-url", transport: "streamable-http" }));
    expect(noUrl.code).toBe("BAD_REQUEST");
    expect(noUrl.message).toBe("invalid server: url: a Streamable HTTP server needs a URL");

    const badName = await caught(
      admin.servers.create({ name: "Bad Name", transport: "stdio", command: "x" }),
    );
    expect(badName.code).toBe("BAD_REQUEST");
    expect(badName.message).toMatch(/lowercase letters, digits and dashes/);

    const reserved = await caught(admin.servers.create({ name: "a__b", transport: "stdio", command: "x" }));
    expect(reserved.message).toMatch(/'__' is reserved/);

    const slow = await caught(
      admin.servers.create({ name: "slow", transport: "stdio", command: "x", timeoutMs: 50 }),
    );
    expect(slow.message).toMatch(/^invalid server: timeoutMs: /);
  });

  it("refuses a duplicate name with CONFLICT", async () => {
    const admin = await h.as("admin");
    await admin.servers.create({ name: "dup", transport: "stdio", command: "x" });
    const error = await caught(admin.servers.create({ name: "dup", transport: "stdio", command: "y" }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe('a server named "dup" already exists');
  });

  it("reports an unknown sync job as NOT_FOUND", async () => {
    const error = await caught((await h.as("admin")).servers.syncStatus({ jobId: "12345" }));
    expect(error.code).toBe("NOT_FOUND");
  });

  it("writes neither the change nor its audit row when the audit insert fails", async () => {
    const { db } = h.database;
    // A trigger that fails the audit insert of this one change: if the audit row were written
    // outside the change's transaction, the server would survive it.
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_boom() RETURNS trigger AS $$
      BEGIN
        IF NEW.details->>'name' = 'boom' THEN RAISE EXCEPTION 'audit refused'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON admin_audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
    );
    try {
      const versionBefore = await h.redis.get(h.names().snapshotVersion);
      const error = await caught(
        (await h.as("admin")).servers.create({ name: "boom", transport: "stdio", command: "x" }),
      );
      expect(error.code).toBe("INTERNAL_SERVER_ERROR");
      expect(error.message).toBe("internal error");
      expect(await db.server.count({ where: { name: "boom" } })).toBe(0);
      expect(await db.adminAuditLog.count({ where: { details: { path: ["name"], equals: "boom" } } })).toBe(
        0,
      );
      expect(await h.redis.get(h.names().snapshotVersion)).toBe(versionBefore);
    } finally {
      await db.$executeRawUnsafe("DROP TRIGGER refuse_boom ON admin_audit_logs");
      await db.$executeRawUnsafe("DROP FUNCTION refuse_boom()");
    }
  });
});

describe("servers · security", () => {
  it("lets auditors and members read but not write", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({ name: "guarded", transport: "stdio", command: "x" });
    for (const person of ["auditor", "member", "approver"] as const) {
      const caller = await h.as(person);
      expect((await caller.servers.list()).map((s) => s.name)).toContain("guarded");
      const error = await caught(caller.servers.delete({ id }));
      expect(error.code).toBe("FORBIDDEN");
      expect(error.message).toBe("not allowed: this needs the 'servers.write' permission");
      const create = await caught(caller.servers.create({ name: "nope", transport: "stdio", command: "x" }));
      expect(create.code).toBe("FORBIDDEN");
      // Connection tests run commands: writers only.
      expect((await caught(caller.servers.testConnection({ id }))).code).toBe("FORBIDDEN");
    }
    expect(await h.database.db.server.count({ where: { id } })).toBe(1);
  });

  it("treats another organization's server and sync job exactly like missing ones", async () => {
    const outsider = await h.as("outsider");
    const theirs = await outsider.servers.create({ name: "theirs", transport: "stdio", command: "x" });
    const { jobId } = await outsider.servers.sync({ id: theirs.id });
    const admin = await h.as("admin");
    const missing = await caught(admin.servers.get({ id: "srv_doesnotexist" }));
    const attempts = [
      () => admin.servers.get({ id: theirs.id }),
      () => admin.servers.update({ id: theirs.id, description: "mine now" }),
      () => admin.servers.setStatus({ id: theirs.id, status: "disabled" }),
      () => admin.servers.delete({ id: theirs.id }),
      () => admin.servers.sync({ id: theirs.id }),
      () => admin.servers.testConnection({ id: theirs.id }),
      () => admin.servers.syncStatus({ jobId }),
    ];
    for (const attempt of attempts) {
      const error = await caught(attempt());
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).not.toContain("theirs");
    }
    expect(missing.message).toBe("server srv_doesnotexist does not exist");
    expect((await admin.servers.list()).map((s) => s.name)).not.toContain("theirs");
    expect(await h.database.db.server.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({
      description: null,
      status: "active",
    });
  });
});
