import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newId } from "@portcullis/contracts/ids";
import { savePortal } from "@portcullis/control/portals/save-portal";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

// `portcullis tools list` and `apply --strict`, run as a person runs them.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
const names = testRedisNames("cli-tools");
const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-tools-"));
const hash = (c: string) => c.repeat(64);
let database: TestDatabase;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ["apps/cli/src/main.ts", ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: database.url,
          REDIS_PREFIX: names.prefix,
          PORTCULLIS_SECRET_KEY: "cli-tools-test-secret-0123456789abcdefgh",
          // The fixture upstream listens on loopback, which the SSRF guard refuses unless allowlisted.
          PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
        },
        timeout: 150_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "cli_tools" });
  const db = database.db;
  const orgId = newId("organization");
  await db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  for (const [server, tools] of [
    ["db", ["query", "drop-table"]],
    ["files", ["read"]],
  ] as const) {
    const serverId = newId("server");
    await db.server.create({
      data: { id: serverId, orgId, name: server, transport: "stdio", command: "true" },
    });
    for (const tool of tools) {
      const quarantined = tool === "drop-table";
      await db.tool.create({
        data: {
          id: newId("tool"),
          orgId,
          serverId,
          upstreamName: tool,
          exposedName: `${server}__${tool}`,
          inputSchema: { type: "object" },
          riskClass: quarantined ? "destructive" : "read",
          definitionHash: hash(quarantined ? "b" : "a"),
          approvedHash: quarantined ? hash("c") : hash("a"),
          status: quarantined ? "quarantined" : "active",
          flags: quarantined ? ["definition_changed"] : [],
        },
      });
    }
  }
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
});

describe("portcullis portals export", () => {
  it("prints the portals: section a config file takes, console-made portals included", {
    timeout: 180_000,
  }, async () => {
    const orgId = (await database.db.organization.findFirstOrThrow()).id;
    await savePortal(database.db, {
      orgId,
      actor: { type: "user", name: "console" },
      portal: {
        name: "readers",
        tools: [{ server: "db", tools: ["query"] }],
        naming: "bare",
        exposure: "full",
        overrides: [{ server: "db", tool: "query", name: "ask" }],
      },
    });
    const exported = await cli("portals", "export");
    expect(exported.code).toBe(0);
    expect(parse(exported.stdout)).toEqual({
      portals: [
        {
          name: "readers",
          tools: [{ server: "db", tools: ["query"] }],
          naming: "bare",
          exposure: "full",
          overrides: [{ server: "db", tool: "query", name: "ask" }],
        },
      ],
    });
    // The next tests apply files without a portals: section, which would delete it.
    await database.db.portal.deleteMany({ where: { orgId, name: "readers" } });
  });
});

describe("portcullis tools", () => {
  it("lists tools with status, risk and definition hash, by server or waiting for review", {
    timeout: 180_000,
  }, async () => {
    const [all, quarantined, oneServer, unknown] = await Promise.all([
      cli("tools", "list"),
      cli("tools", "list", "--quarantined"),
      cli("tools", "list", "--server", "files", "--json"),
      cli("tools", "list", "--server", "nowhere"),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")[0]).toMatch(
      /^SERVER\s+TOOL\s+STATUS\s+RISK\s+DEFINITION \(SHA-256\)\s+FLAGS$/,
    );
    expect(all.stdout).toMatch(
      new RegExp(`db\\s+drop-table\\s+quarantined\\s+destructive\\s+${hash("b")}\\s+definition_changed`),
    );
    expect(all.stdout).toMatch(new RegExp(`db\\s+query\\s+active\\s+read\\s+${hash("a")}`));
    expect(all.stdout).toContain("files");

    expect(quarantined.code).toBe(0);
    expect(quarantined.stdout.trim().split("\n")).toHaveLength(2);
    expect(quarantined.stdout).toContain("drop-table");

    expect(oneServer.code).toBe(0);
    expect(
      oneServer.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        server: "files",
        tool: "read",
        status: "active",
        risk: "read",
        riskOverride: null,
        definitionHash: hash("a"),
        flags: [],
      },
    ]);

    expect(unknown).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'error: [NOT_FOUND] organization acme has no server "nowhere"\n',
    });
  });

  it("apply reports an approvedDefinition that is not the current one, and fails only with --strict", {
    timeout: 180_000,
  }, async () => {
    const file = join(dir, "portcullis.yaml");
    writeFileSync(
      file,
      `servers:
  - { name: db, transport: stdio, command: "true" }
  - { name: files, transport: stdio, command: "true" }
tools:
  - { server: db, tool: drop-table, approvedDefinition: "${hash("c")}" }
`,
    );
    const [lenient, strict] = [await cli("apply", "-f", file), await cli("apply", "-f", file, "--strict")];
    for (const run of [lenient, strict]) {
      expect(run.stdout).toMatch(
        /^No changes\.\nNot applied:\n {2}! tool db\/drop-table \(approvedDefinition\): not approved: approvedDefinition c{12}… is not the current definition b{12}…/,
      );
      expect(run.stderr).toContain("warning: 1 part(s) of the file were not applied (listed above)");
    }
    expect(lenient.code).toBe(0);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("failing because of --strict");
    const tool = await database.db.tool.findFirstOrThrow({ where: { exposedName: "db__drop-table" } });
    expect(tool).toMatchObject({ status: "quarantined", approvedHash: hash("c") });
  });
});
