import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError } from "@portcullis/contracts/errors";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationStatus } from "./migrate";
import { markRolledBackSql } from "./migrate/history";
import { readMigrationFiles, sha256Hex } from "./migrate/migration-files";

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432";
const INIT = "20261124000000_init";
/** Every migration in the folder, in the order they apply. */
const ALL = (await readMigrationFiles(DEFAULT_MIGRATIONS_DIR)).map((file) => file.name);
const created: string[] = [];
const tempDirs: string[] = [];

/** A database name nobody else uses; `migrate` creates it. Dropped in afterAll. */
function freshDatabaseUrl(): string {
  const name = `pc_test_migrate_${randomBytes(6).toString("hex")}`;
  created.push(name);
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A scratch copy of the real migrations folder to edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "pc-migrations-"));
  tempDirs.push(dir);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

afterAll(async () => {
  const admin = new URL(BASE_URL);
  admin.pathname = "/postgres";
  // In parallel: every DROP DATABASE waits for a checkpoint, and concurrent ones share it.
  await Promise.all(
    created.map((name) =>
      query(admin.toString(), `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
    ),
  );
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("migrate on a database that does not exist yet", () => {
  const url = freshDatabaseUrl();
  const lines: string[] = [];
  let applied: string[];

  beforeAll(async () => {
    expect(await migrationStatus(url)).toEqual({ applied: [], pending: ALL, problems: [] });
    ({ applied } = await migrate(url, { log: (line) => lines.push(line) }));
  });

  test("creates the database, applies every migration and says so", async () => {
    expect(applied).toEqual(ALL);
    expect(lines.join("\n")).toMatch(/Created database .*pc_test_migrate_/);
    expect(lines).toContain(`Applying migration ${INIT}`);
    const tables = await query<{ n: number }>(
      url,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables[0]?.n).toBe(27); // 26 models + _prisma_migrations
  });

  test("creates _prisma_migrations with the exact columns prisma migrate deploy creates", async () => {
    const columns = await query(
      url,
      `SELECT column_name, data_type, character_maximum_length AS max_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      {
        column_name: "id",
        data_type: "character varying",
        max_length: 36,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "checksum",
        data_type: "character varying",
        max_length: 64,
        is_nullable: "NO",
        column_default: null,
      },
      {
        column_name: "finished_at",
        data_type: "timestamp with time zone",
        max_length: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "migration_name",
        data_type: "character varying",
        max_length: 255,
        is_nullable: "NO",
        column_default: null,
      },
      { column_name: "logs", data_type: "text", max_length: null, is_nullable: "YES", column_default: null },
      {
        column_name: "rolled_back_at",
        data_type: "timestamp with time zone",
        max_length: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "started_at",
        data_type: "timestamp with time zone",
        max_length: null,
        is_nullable: "NO",
        column_default: "now()",
      },
      {
        column_name: "applied_steps_count",
        data_type: "integer",
        max_length: null,
        is_nullable: "NO",
        column_default: "0",
      },
    ]);
    const pkey = await query<{ conname: string; def: string }>(
      url,
      "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass",
    );
    expect(pkey).toEqual([{ conname: "_prisma_migrations_pkey", def: "PRIMARY KEY (id)" }]);
  });

  test("records the migration the way prisma migrate deploy does", async () => {
    const rows = await query(url, "SELECT * FROM _prisma_migrations ORDER BY migration_name");
    const file = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, INIT, "migration.sql"));
    expect(rows).toHaveLength(ALL.length);
    const row = rows[0]!;
    expect(row).toMatchObject({
      migration_name: INIT,
      checksum: sha256Hex(file),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
  });

  test("re-running applies nothing and reports the database up to date", async () => {
    const lines: string[] = [];
    expect(await migrate(url, { log: (line) => lines.push(line) })).toEqual({ applied: [] });
    expect(lines.at(-1)).toMatch(/is up to date/);
    expect(await query(url, "SELECT id FROM _prisma_migrations")).toHaveLength(ALL.length);
    expect(await migrationStatus(url)).toEqual({ applied: ALL, pending: [], problems: [] });
  });

  test("refuses a migration edited after it was applied, naming it and the way out", async () => {
    const dir = await copyOfMigrations();
    await writeFile(path.join(dir, INIT, "migration.sql"), "\n-- an afterthought\n", { flag: "a" });
    const error = await rejection(migrate(url, { migrationsDir: dir }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain(`Migration ${INIT} was modified after it was applied`);
    expect(error.message).toContain("new migration");
    expect((await migrationStatus(url, { migrationsDir: dir })).problems).toEqual([
      expect.objectContaining({ kind: "modified", migrationName: INIT }),
    ]);
  });

  test("accepts the same migration checked out with CRLF line endings, as Prisma does", async () => {
    const dir = await copyOfMigrations();
    const file = path.join(dir, INIT, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replaceAll("\n", "\r\n"));
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: [] });
  });

  test("refuses a database that has a migration the folder does not know", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pc-migrations-"));
    tempDirs.push(dir);
    const error = await rejection(migrate(url, { migrationsDir: dir }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain(
      `Migration ${INIT} is recorded as applied in this database but is not in`,
    );
  });

  test("gives up with a clear error when another run holds the migration lock", async () => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(72707369)");
      const error = await rejection(migrate(url, { lockTimeoutMs: 200 }));
      expect(error.code).toBe("UNAVAILABLE");
      expect(error.message).toMatch(/Another migration run has held the lock .* for over 200 ms/);
    } finally {
      await holder.end();
    }
  });
});

describe("a migration that fails", () => {
  const url = freshDatabaseUrl();
  const broken = "20261201000000_broken";
  let dir: string;

  beforeAll(async () => {
    await migrate(url);
    dir = await copyOfMigrations();
    await mkdir(path.join(dir, broken));
    await writeFile(
      path.join(dir, broken, "migration.sql"),
      'CREATE TABLE "half_done" ("id" TEXT);\nALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;\n',
    );
  });

  test("is rolled back, recorded as failed, and blocks later runs until marked rolled back", async () => {
    const failure = await rejection(migrate(url, { migrationsDir: dir }));
    expect(failure.code).toBe("INTERNAL");
    expect(failure.message).toContain(`Migration ${broken} failed and was rolled back`);
    expect(failure.message).toContain('relation "no_such_table" does not exist');
    expect(await query(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);

    const [record] = await query(url, "SELECT * FROM _prisma_migrations WHERE migration_name = $1", [broken]);
    expect(record).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(record?.logs).toContain("Database error code: 42P01");

    const blocked = await rejection(migrate(url, { migrationsDir: dir }));
    expect(blocked.code).toBe("CONFLICT");
    expect(blocked.message).toContain(`Migration ${broken} failed when it was applied`);
    expect(blocked.message).toContain(markRolledBackSql(broken));

    // The operator's way out: fix the script, mark the failure rolled back, migrate again.
    await writeFile(path.join(dir, broken, "migration.sql"), 'CREATE TABLE "half_done" ("id" TEXT);\n');
    await query(url, markRolledBackSql(broken));
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: [broken] });
    expect(await migrationStatus(url, { migrationsDir: dir })).toEqual({
      applied: [...ALL, broken],
      pending: [],
      problems: [],
    });
  });
});

test("two concurrent runs on a fresh database apply each migration once", async () => {
  const url = freshDatabaseUrl();
  const results = await Promise.all([migrate(url), migrate(url)]);
  expect(results.flatMap((r) => r.applied)).toEqual(ALL);
  expect(await query(url, "SELECT migration_name FROM _prisma_migrations ORDER BY migration_name")).toEqual(
    ALL.map((name) => ({ migration_name: name })),
  );
});

test("refuses a database that already has tables but no migration history", async () => {
  const url = freshDatabaseUrl();
  const admin = new URL(BASE_URL);
  admin.pathname = "/postgres";
  await query(admin.toString(), `CREATE DATABASE ${pg.escapeIdentifier(new URL(url).pathname.slice(1))}`);
  await query(url, "CREATE TABLE someone_elses (id int)");
  const error = await rejection(migrate(url));
  expect(error.code).toBe("CONFLICT");
  expect(error.message).toMatch(/is not empty \(tables: someone_elses\) but has no migration history/);
});
