import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationStatus } from "./migrate";
import { readMigrationFiles } from "./migrate/migration-files";
import { MIGRATIONS_TABLE_DDL, PRISMA_ADVISORY_LOCK_KEY } from "./migrate/migrations-table";
import { type RunningSchemaEngine, startSchemaEngine } from "./schema-engine/wasm-schema-engine";

/**
 * Asks Prisma's own schema engine (the code behind `prisma migrate`) to judge our hand-written
 * migrations and our runner: the migrations must build exactly schema.prisma, and Prisma must
 * read the history our runner writes as its own, and the other way round, so an installation
 * can switch to `prisma migrate deploy` at any time.
 */

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432";
const SCHEMA_PATH = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));
/** Every migration in the folder, in the order they apply. */
const ALL = (await readMigrationFiles(DEFAULT_MIGRATIONS_DIR)).map((file) => file.name);
const NO_FILTERS = { externalTables: [], externalEnums: [] };
const databases: string[] = [];
const engines: RunningSchemaEngine[] = [];
let schema: string;

function freshDatabaseUrl(): string {
  const name = `pc_test_engine_${randomBytes(6).toString("hex")}`;
  databases.push(name);
  return Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
}

/** Like freshDatabaseUrl, but the (empty) database exists: Prisma's engine does not create it. */
async function emptyDatabaseUrl(): Promise<string> {
  const url = freshDatabaseUrl();
  await adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(new URL(url).pathname.slice(1))}`);
  return url;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(BASE_URL), { pathname: "/postgres" }).toString(),
  });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function engineOn(url: string): Promise<RunningSchemaEngine> {
  const running = await startSchemaEngine(schema, url);
  engines.push(running);
  return running;
}

/** The migrations directory as the Prisma CLI hands it to the engine. */
async function migrationsList() {
  const files = await readMigrationFiles(DEFAULT_MIGRATIONS_DIR);
  return {
    baseDir: DEFAULT_MIGRATIONS_DIR,
    lockfile: {
      path: "migration_lock.toml",
      content: await readFile(path.join(DEFAULT_MIGRATIONS_DIR, "migration_lock.toml"), "utf8"),
    },
    shadowDbInitScript: "",
    migrationDirectories: files.map((file) => ({
      path: file.name,
      migrationFile: { path: "migration.sql", content: { tag: "ok" as const, value: file.script } },
    })),
  };
}

async function historyRows(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    const rows = await client.query(
      `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count,
              finished_at IS NOT NULL AS finished, length(id) AS id_length
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    return { columns: columns.rows, rows: rows.rows };
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  schema = await readFile(SCHEMA_PATH, "utf8");
});

afterAll(async () => {
  for (const running of engines) await running.close();
  // In parallel: every DROP DATABASE waits for a checkpoint, and concurrent ones share it.
  await Promise.all(
    databases.map((name) => adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)),
  );
});

let prismaUrl: string;
let prisma: RunningSchemaEngine;
let appliedByPrisma: { appliedMigrationNames: string[] };

beforeAll(async () => {
  prismaUrl = await emptyDatabaseUrl();
  prisma = await engineOn(prismaUrl);
  appliedByPrisma = await prisma.engine.applyMigrations({
    migrationsList: await migrationsList(),
    filters: NO_FILTERS,
  });
});

test("Prisma's engine applies the migrations and then finds the database identical to schema.prisma", async () => {
  expect(appliedByPrisma).toEqual({ appliedMigrationNames: ALL });
  const files = [{ path: "schema.prisma", content: schema }];
  const result = await prisma.engine.diff({
    from: { tag: "schemaDatasource", files, configDir: path.dirname(SCHEMA_PATH) },
    to: { tag: "schemaDatamodel", files },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  });
  // On failure, stdout is the SQL `prisma migrate dev` would generate: add it as a new migration.
  expect(result).toEqual({ exitCode: 0, stdout: "-- This is an empty migration.\n" });
});

test("Prisma and this runner read each other's _prisma_migrations as their own", async () => {
  const ours = freshDatabaseUrl();
  await migrate(ours);

  // Identical tables, and rows that differ only in ids and timestamps.
  expect(await historyRows(ours)).toEqual(await historyRows(prismaUrl));

  // Prisma sees the database our runner migrated as up to date, with nothing failed or edited.
  const { engine } = await engineOn(ours);
  const list = await migrationsList();
  expect(
    await engine.diagnoseMigrationHistory({
      migrationsList: list,
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    }),
  ).toEqual({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
  expect(await engine.applyMigrations({ migrationsList: list, filters: NO_FILTERS })).toEqual({
    appliedMigrationNames: [],
  });

  // And this runner sees the database Prisma migrated the same way. (Close Prisma's engine
  // first: its session holds the migration lock this runner would otherwise wait for.)
  await prisma.close();
  expect(await migrationStatus(prismaUrl)).toEqual({ applied: ALL, pending: [], problems: [] });
  expect(await migrate(prismaUrl)).toEqual({ applied: [] });
});

test("the runner's table DDL and lock key are the very ones in Prisma's engine", async () => {
  const entry = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm");
  const engineBinary = (await readFile(path.join(path.dirname(entry), "schema_engine_bg.wasm"))).toString(
    "latin1",
  );
  expect(engineBinary).toContain(MIGRATIONS_TABLE_DDL.replace(/;$/, ""));
  expect(engineBinary).toContain(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`);
});
