import { randomUUID } from "node:crypto";
import type pg from "pg";

/**
 * The `_prisma_migrations` table, read and written exactly as `prisma migrate deploy` does,
 * so an installation can switch between this runner and Prisma's at any time.
 * Source of truth: the PostgreSQL flavour of Prisma's schema engine.
 */

/** Prisma's DDL, verbatim (the engine creates the table with this statement). */
export const MIGRATIONS_TABLE_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/**
 * The advisory lock key Prisma's engine takes (`SELECT pg_advisory_lock(72707369)`) around
 * migrate commands: sharing it keeps this runner and `prisma migrate deploy` from ever
 * applying migrations at the same time.
 */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

export interface MigrationRecord {
  id: string;
  checksum: string;
  finishedAt: Date | null;
  migrationName: string;
  logs: string | null;
  rolledBackAt: Date | null;
  startedAt: Date;
  appliedStepsCount: number;
}

/** Whether `_prisma_migrations` exists in the connection's schema. */
export async function migrationsTableExists(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  return rows[0]?.exists === true;
}

/** Names of the tables in the connection's schema, to refuse migrating a database someone else filled. */
export async function existingTables(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
  );
  return rows.map((row) => row.table_name);
}

export async function createMigrationsTable(client: pg.ClientBase): Promise<void> {
  await client.query(MIGRATIONS_TABLE_DDL);
}

/** Every row, oldest first (Prisma lists them ordered by `started_at`). */
export async function listMigrationRecords(client: pg.ClientBase): Promise<MigrationRecord[]> {
  const { rows } = await client.query<{
    id: string;
    checksum: string;
    finished_at: Date | null;
    migration_name: string;
    logs: string | null;
    rolled_back_at: Date | null;
    started_at: Date;
    applied_steps_count: number;
  }>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at ASC`,
  );
  return rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    finishedAt: row.finished_at,
    migrationName: row.migration_name,
    logs: row.logs,
    rolledBackAt: row.rolled_back_at,
    startedAt: row.started_at,
    appliedStepsCount: row.applied_steps_count,
  }));
}

/**
 * Inserts the row Prisma writes before running a script: a fresh v4 UUID, the checksum, the
 * name and `started_at`, leaving `finished_at`, `logs` and `rolled_back_at` NULL and
 * `applied_steps_count` 0. Runs outside the migration's transaction, so that a failure
 * leaves the row behind (as Prisma does) and later runs know a migration failed.
 */
export async function recordMigrationStarted(
  client: pg.ClientBase,
  migration: { name: string; checksum: string },
): Promise<string> {
  const id = randomUUID();
  await client.query(
    "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())",
    [id, migration.checksum, migration.name],
  );
  return id;
}

/**
 * Prisma's success bookkeeping: one step applied (a SQL migration is a single step), then
 * `finished_at`. Run inside the migration's transaction, so the schema change and its record
 * commit together. `clock_timestamp()` because `now()` would be the transaction's start.
 */
export async function recordMigrationFinished(client: pg.ClientBase, id: string): Promise<void> {
  await client.query(
    `UPDATE _prisma_migrations
        SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
      WHERE id = $1`,
    [id],
  );
}

/** Prisma's failure bookkeeping: the error goes to `logs`; `finished_at` stays NULL. */
export async function recordMigrationFailed(client: pg.ClientBase, id: string, logs: string): Promise<void> {
  await client.query("UPDATE _prisma_migrations SET logs = $1 WHERE id = $2", [logs, id]);
}
