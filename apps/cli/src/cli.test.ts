import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashApiKey } from "@portcullis/auth/api-keys";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
const names = testRedisNames("cli");
// Each spawn starts tsx and loads Prisma and the MCP SDK: seconds on a busy machine.
const SPAWN_TEST_TIMEOUT = 180_000;
const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
let database: TestDatabase;
let fixture: FixtureServer;
let redis: Redis;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
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
          PORTCULLIS_SECRET_KEY: "cli-test-secret-0123456789abcdefghijkl",
          PLATFORM_TOKEN: "tok-from-env",
          // The fixture upstream listens on loopback, which the SSRF guard refuses unless allowlisted.
          PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  [database, fixture] = await Promise.all([
    createTestDatabase({ name: "cli" }),
    startLegacyHttpServer({ requireBearer: "tok-from-env" }),
  ]);
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanupRedisPrefix(redis, names.prefix);
  redis?.disconnect();
  await fixture?.close();
  await database?.drop();
});

describe("portcullis CLI", () => {
  it(
    "apply -f syncs and publishes; agent key create prints only the key, which the next snapshot carries",
    async () => {
      const file = join(dir, "portcullis.yaml");
      writeFileSync(
        file,
        `servers:
  - { name: everything, transport: streamable-http, url: "${fixture.url}", bearer: { env: PLATFORM_TOKEN } }
teams: [{ name: platform }]
agents: [{ name: ci-bot, team: platform }]
grants: [{ team: platform, server: everything, tools: [echo, add] }]
`,
      );
      const applied = await cli("apply", "-f", file);
      expect(applied.stderr).toBe("");
      expect(applied.code).toBe(0);
      expect(applied.stdout).toContain("+ create server everything");
      expect(applied.stdout).toContain("+ create grant team:platform/everything/add");
      expect(applied.stdout).toMatch(/everything: [1-9]\d* added, 0 changed, 0 removed, 0 unchanged/);
      expect(applied.stdout).toMatch(/Snapshot v1 published\./);

      const created = await cli("agent", "key", "create", "ci-bot", "--expires", "30d");
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^pcs_[0-9A-Za-z]{40}\n$/);
      expect(created.stderr).toMatch(/Snapshot v2 published/);
      const served = configSnapshot.parse(JSON.parse((await redis.get(names.snapshotDoc))!));
      expect(served.version).toBe(2);
      expect(served.keys.map((k) => k.hash)).toContain(hashApiKey(created.stdout.trim()));
    },
    SPAWN_TEST_TIMEOUT,
  );

  it(
    "exits 1 with the precise problem for an invalid file",
    async () => {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, "servers: []\ngrants:\n  - { team: platform, server: nowhere, tools: [echo] }\n");
      const run = await cli("apply", "-f", file);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^error: \[INVALID_INPUT\] invalid config file:/);
      expect(run.stderr).toContain('grants[0].server: unknown server "nowhere"');
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace without DEBUG
    },
    SPAWN_TEST_TIMEOUT,
  );
});
