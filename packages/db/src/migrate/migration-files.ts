import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@portcullis/contracts/errors";

/** One folder of the migrations directory, as `prisma migrate` sees it. */
export interface MigrationFile {
  /** The folder name, e.g. `20261124000000_init`; recorded as `migration_name`. */
  name: string;
  /** The bytes of `migration.sql`, decoded as UTF-8 (Prisma reads it the same way). */
  script: string;
  /** Lowercase hex SHA-256 of the file bytes: what Prisma stores in `checksum`. */
  checksum: string;
}

/**
 * Reads the migration folders of `migrationsDir` in the order Prisma applies them (folder
 * names compared with `localeCompare`, like the Prisma CLI). Files next to the folders
 * (`migration_lock.toml`) are not migrations. A lock file naming another provider, or a folder
 * without `migration.sql`, is refused here, before anything touches the database.
 */
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    throw new AppError(
      "INVALID_INPUT",
      `Cannot read the migrations directory ${migrationsDir}: ${message(error)}`,
      {
        cause: error,
      },
    );
  });
  await assertPostgresLockfile(migrationsDir);

  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      const bytes = await readFile(file).catch((error: unknown) => {
        throw new AppError(
          "INVALID_INPUT",
          `Migration folder ${name} has no readable migration.sql (${message(error)}). ` +
            "Every folder in the migrations directory must contain one; remove stray folders.",
          { cause: error },
        );
      });
      return { name, script: bytes.toString("utf8"), checksum: sha256Hex(bytes) };
    }),
  );
}

/** Lowercase hex SHA-256, zero-padded: Prisma's `checksum` format. */
export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Whether a script matches a checksum recorded in `_prisma_migrations`, with Prisma's own
 * tolerance: the script with its line endings switched between LF and CRLF also matches (git
 * rewrites them on checkout), and so does the unpadded hex an old Prisma engine wrote. Without
 * this, a database migrated by Prisma from a Windows checkout would be refused here.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  const legacy = checksum.length !== 64 && checksum.length > 0;
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant, "utf8").digest();
    const rendered = legacy ? [...digest].map((byte) => byte.toString(16)).join("") : digest.toString("hex");
    return rendered === checksum;
  });
}

async function assertPostgresLockfile(migrationsDir: string): Promise<void> {
  const lockfile = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8").catch(() => null);
  if (lockfile === null) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lockfile)?.[1];
  if (provider !== undefined && provider !== "postgresql") {
    throw new AppError(
      "INVALID_INPUT",
      `${path.join(migrationsDir, "migration_lock.toml")} says these migrations are for "${provider}", ` +
        'but Portcullis runs on PostgreSQL. Point at the PostgreSQL migrations (provider = "postgresql").',
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
