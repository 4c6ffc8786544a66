import { type MigrationFile, scriptMatchesChecksum } from "./migration-files";
import type { MigrationRecord } from "./migrations-table";

export type MigrationProblemKind = "failed" | "modified" | "missing";

/** Something in the database's migration history that must be fixed by a human before migrating. */
export interface MigrationProblem {
  kind: MigrationProblemKind;
  migrationName: string;
  /** What happened and what to do, in words an operator can act on. */
  message: string;
}

export interface MigrationHistory {
  /** Migrations applied to the database, in the order they were applied. */
  applied: string[];
  /** Migrations in the folder not (successfully) applied yet, in the order they will be. */
  pending: MigrationFile[];
  problems: MigrationProblem[];
}

/**
 * Compares the migrations folder with `_prisma_migrations` the way Prisma reads that table:
 * a row with `finished_at` set and `rolled_back_at` NULL is applied; a row with both NULL is a
 * failed migration; a rolled-back row counts as not applied (so the migration runs again).
 */
export function compareHistory(files: MigrationFile[], records: MigrationRecord[]): MigrationHistory {
  const filesByName = new Map(files.map((file) => [file.name, file]));
  const applied: string[] = [];
  const problems: MigrationProblem[] = [];

  for (const record of records) {
    if (record.rolledBackAt !== null) continue;
    const name = record.migrationName;
    if (record.finishedAt === null) {
      problems.push({ kind: "failed", migrationName: name, message: failedMessage(record) });
      continue;
    }
    applied.push(name);
    const file = filesByName.get(name);
    if (file === undefined) {
      problems.push({
        kind: "missing",
        migrationName: name,
        message:
          `Migration ${name} is recorded as applied in this database but is not in the migrations ` +
          "directory. The database is ahead of this code: run a Portcullis version that includes the " +
          "migration, or check that the migrations directory is the right one.",
      });
    } else if (!scriptMatchesChecksum(file.script, record.checksum)) {
      problems.push({
        kind: "modified",
        migrationName: name,
        message:
          `Migration ${name} was modified after it was applied to this database (recorded checksum ` +
          `${record.checksum}, file checksum ${file.checksum}). Applied migrations must not change: ` +
          `restore ${name}/migration.sql as it was (e.g. from git) and put the change in a new migration.`,
      });
    }
  }

  const done = new Set(applied);
  const pending = files.filter((file) => !done.has(file.name));
  return { applied, pending, problems };
}

function failedMessage(record: MigrationRecord): string {
  const name = record.migrationName;
  const error = record.logs?.trim() ? ` It failed with:\n${indent(record.logs.trim())}\n` : " ";
  return (
    `Migration ${name} failed when it was applied (started ${record.startedAt.toISOString()}) and is still ` +
    `marked as failed, so no migration will be applied until it is resolved.${error}` +
    "Make sure none of its changes remain in the database (this runner applies each migration in a " +
    "transaction, so a failure leaves none), fix the cause, then mark it rolled back, which is what " +
    `\`prisma migrate resolve --rolled-back ${name}\` does:\n  ${markRolledBackSql(name)}\nand migrate again.`
  );
}

/** The SQL equivalent of `prisma migrate resolve --rolled-back <name>`. */
export function markRolledBackSql(migrationName: string): string {
  const literal = migrationName.replaceAll("'", "''");
  return (
    `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${literal}' ` +
    "AND finished_at IS NULL AND rolled_back_at IS NULL;"
  );
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
