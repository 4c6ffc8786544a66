import { fileURLToPath } from "node:url";
import { AppError } from "@portcullis/contracts/errors";
import type pg from "pg";
import { connectIfExists, createDatabase, describeDatabase, messageOf, sqlState } from "./migrate/connect";
import { compareHistory, type MigrationProblem, markRolledBackSql } from "./migrate/history";
import { type MigrationFile, readMigrationFiles } from "./migrate/migration-files";
import {
  createMigrationsTable,
  existingTables,
  listMigrationRecords,
  migrationsTableExists,
  PRISMA_ADVISORY_LOCK_KEY,
  recordMigrationFailed,
  recordMigrationFinished,
  recordMigrationStarted,
} from "./migrate/migrations-table";

export type { MigrationProblem, MigrationProblemKind } from "./migrate/history";

/** The repository's prisma/migrations, found from this file so it works from any working directory. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

export interface MigrateOptions {
  /** Folder of Prisma-layout migrations (`<name>/migration.sql`). Default: the repo's prisma/migrations. */
  migrationsDir?: string;
  /** Receives one human-readable line per step (database created, migration applied…). */
  log?: (line: string) => void;
  /** How long to wait for another run holding the migration lock. Default 10 s, like Prisma. */
  lockTimeoutMs?: number;
}

export interface MigrationStatus {
  /** Migrations recorded as applied, in the order they were applied. */
  applied: string[];
  /** Migrations in the folder not applied yet, in the order `migrate` will apply them. */
  pending: string[];
  /** History problems `migrate` would refuse to run with. */
  problems: MigrationProblem[];
}

/**
 * Brings the database up to date with the migrations folder, with the same effects and the
 * same `_prisma_migrations` bookkeeping as `prisma migrate deploy` (which needs Prisma's schema
 * engine, a binary this runner does without):
 * creates the database if missing, then, holding Prisma's advisory lock so concurrent runs
 * (ours or Prisma's) apply each migration once, applies pending migrations in name order, each
 * in its own transaction.
 *
 * Refuses (AppError CONFLICT, one line per problem) when the history is not safe to build on:
 * a migration failed before, an applied migration's file was edited, or the database has a
 * migration the folder lacks. A migration whose SQL fails is rolled back, recorded as failed
 * (as Prisma does) and reported as AppError INTERNAL naming it and the database error.
 *
 * One difference from Prisma: because every migration runs inside BEGIN/COMMIT, a statement
 * Postgres refuses in a transaction block (CREATE INDEX CONCURRENTLY…) fails here even alone
 * in its file, where Prisma would run it. In exchange a migration and its record commit together.
 *
 * @returns the names of the migrations applied by this call (empty when up to date).
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const log = options.log ?? (() => {});
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const files = await readMigrationFiles(migrationsDir);

  let client = await connectIfExists(databaseUrl);
  if (client === null) {
    if (await createDatabase(databaseUrl)) log(`Created database ${describeDatabase(databaseUrl)}`);
    client = await connectIfExists(databaseUrl);
    if (client === null) {
      throw new AppError(
        "UNAVAILABLE",
        `Database ${describeDatabase(databaseUrl)} disappeared right after creation.`,
      );
    }
  }

  try {
    await acquireLock(client, databaseUrl, options.lockTimeoutMs ?? 10_000);
    try {
      await ensureMigrationsTable(client, databaseUrl, log);
      const history = compareHistory(files, await listMigrationRecords(client));
      if (history.problems.length > 0) {
        throw new AppError(
          "CONFLICT",
          `Refusing to migrate ${describeDatabase(databaseUrl)}:\n${history.problems.map((p) => `- ${p.message}`).join("\n")}`,
          { details: { problems: history.problems } },
        );
      }
      const applied: string[] = [];
      for (const migration of history.pending) {
        log(`Applying migration ${migration.name}`);
        await applyMigration(client, migration);
        applied.push(migration.name);
      }
      log(
        applied.length === 0
          ? `Database ${describeDatabase(databaseUrl)} is up to date (${history.applied.length} migrations applied)`
          : `Applied ${applied.length} migration(s) to ${describeDatabase(databaseUrl)}`,
      );
      return { applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Reports which migrations are applied and pending, and any history problem, without
 * changing anything (a missing database or migrations table means everything is pending).
 */
export async function migrationStatus(
  databaseUrl: string,
  options: Pick<MigrateOptions, "migrationsDir"> = {},
): Promise<MigrationStatus> {
  const files = await readMigrationFiles(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const client = await connectIfExists(databaseUrl);
  if (client === null) return { applied: [], pending: files.map((f) => f.name), problems: [] };
  try {
    const records = (await migrationsTableExists(client)) ? await listMigrationRecords(client) : [];
    const history = compareHistory(files, records);
    return {
      applied: history.applied,
      pending: history.pending.map((f) => f.name),
      problems: history.problems,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Session-level advisory lock, so it survives the per-migration transactions. */
async function acquireLock(client: pg.Client, databaseUrl: string, timeoutMs: number): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
  } catch (error) {
    if (sqlState(error) !== "55P03") throw error;
    throw new AppError(
      "UNAVAILABLE",
      `Another migration run has held the lock on ${describeDatabase(databaseUrl)} for over ${timeoutMs} ms ` +
        `(pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY}), shared with prisma migrate). Wait for it to finish ` +
        "and try again, or find the session holding it in pg_locks.",
      { cause: error },
    );
  } finally {
    // Migrations themselves may legitimately wait for locks (e.g. behind a long query).
    await client.query("RESET lock_timeout");
  }
}

/**
 * Creates `_prisma_migrations` on first use. Like `prisma migrate deploy`, refuses a database
 * that already has tables but no migration history: applying the first migration there would
 * fail halfway or mix two schemas, so it needs a human decision (baselining).
 */
async function ensureMigrationsTable(client: pg.Client, databaseUrl: string, log: (line: string) => void) {
  if (await migrationsTableExists(client)) return;
  const tables = await existingTables(client);
  if (tables.length > 0) {
    throw new AppError(
      "CONFLICT",
      `Database ${describeDatabase(databaseUrl)} is not empty (tables: ${tables.slice(0, 5).join(", ")}` +
        `${tables.length > 5 ? ", …" : ""}) but has no migration history (_prisma_migrations). ` +
        "Migrate an empty database instead, or baseline this one (https://pris.ly/d/migrate-baseline).",
    );
  }
  await createMigrationsTable(client);
  log("Created the _prisma_migrations table");
}

async function applyMigration(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = await recordMigrationStarted(client, migration);
  try {
    await client.query("BEGIN");
    // No parameters: pg sends the script with the simple query protocol, which accepts many statements.
    await client.query(migration.script);
    await recordMigrationFinished(client, id);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const code = sqlState(error) ?? "none";
    const logs = `Migration name: ${migration.name}\n\nDatabase error code: ${code}\n\nDatabase error:\n${messageOf(error)}`;
    await recordMigrationFailed(client, id, logs).catch(() => {});
    throw new AppError(
      "INTERNAL",
      `Migration ${migration.name} failed and was rolled back: ${messageOf(error)} (SQLSTATE ${code}). ` +
        "It is recorded as failed in _prisma_migrations, so later runs stop until it is resolved: fix the " +
        `cause, mark it rolled back (${markRolledBackSql(migration.name)}) and migrate again.`,
      { cause: error, details: { migration: migration.name, sqlState: code } },
    );
  }
}
