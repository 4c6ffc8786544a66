import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

// The CLI as the `cli` image runs it: the esbuild output under plain node. `migrate` is the
// command production depends on most, and the one that finds files (prisma/migrations)
// relative to the bundle.
const ROOT = resolve(import.meta.dirname, "../../..");
const DIST = join(ROOT, "apps/cli/dist/main.js");
// The same server the testkit's databases live on.
const ADMIN_URL = `${process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432"}/postgres`;
const name = `pc_test_cli_dist_${randomBytes(6).toString("hex")}`;

function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [DIST, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: databaseUrl(name) },
  });
}

describe("the compiled CLI (apps/cli/dist/main.js)", () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  });

  it("creates the database and applies every migration of prisma/migrations, then none", () => {
    const build = spawnSync(process.execPath, ["../../scripts/build-app.mjs"], {
      cwd: join(ROOT, "apps/cli"),
      encoding: "utf8",
    });
    expect(build.status, build.stderr).toBe(0);

    const first = cli(["migrate"]);
    expect(first.status, first.stderr).toBe(0);
    const migrations = readdirSync(join(ROOT, "prisma/migrations"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(first.stdout.trim().split("\n")).toEqual(migrations);

    const again = cli(["migrate"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe("");
    expect(again.stderr).toContain("is up to date");
  });
});
