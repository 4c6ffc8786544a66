import { AppError } from "@portcullis/contracts/errors";
import pg from "pg";

/** SQLSTATE for "database does not exist". */
const INVALID_CATALOG_NAME = "3D000";
/** SQLSTATE for "database already exists". */
const DUPLICATE_DATABASE = "42P04";
/** Two concurrent CREATE DATABASE race on pg_database's unique index and one gets this. */
const UNIQUE_VIOLATION = "23505";

/** The parts of a connection URL that are safe to print (never the password). */
export function describeDatabase(databaseUrl: string): string {
  const url = parseUrl(databaseUrl);
  return `${url.hostname}:${url.port || "5432"}/${databaseName(databaseUrl)}`;
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(parseUrl(databaseUrl).pathname.replace(/^\//, ""));
  if (!name) {
    throw new AppError(
      "INVALID_INPUT",
      "The database URL names no database: add one, e.g. postgresql://host/portcullis",
    );
  }
  return name;
}

/**
 * Opens one session on the database. Returns null when the database does not exist, so
 * callers decide whether to create it; any other failure is a clear UNAVAILABLE error.
 */
export async function connectIfExists(databaseUrl: string): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    if (sqlState(error) === INVALID_CATALOG_NAME) return null;
    throw unreachable(databaseUrl, error);
  }
}

/**
 * Creates the database through the server's `postgres` maintenance database, as
 * `prisma migrate deploy` does. Returns false when it already existed, which is expected
 * when several processes start at once.
 */
export async function createDatabase(databaseUrl: string): Promise<boolean> {
  const maintenanceUrl = parseUrl(databaseUrl);
  maintenanceUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: maintenanceUrl.toString() });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    throw unreachable(maintenanceUrl.toString(), error, `create database ${databaseName(databaseUrl)}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName(databaseUrl))}`);
    return true;
  } catch (error) {
    const code = sqlState(error);
    if (code === DUPLICATE_DATABASE || code === UNIQUE_VIOLATION) return false;
    throw new AppError(
      "UNAVAILABLE",
      `Could not create database ${describeDatabase(databaseUrl)}: ${messageOf(error)}. ` +
        "Create it yourself or give the user the CREATEDB privilege.",
      { cause: error },
    );
  } finally {
    await admin.end().catch(() => {});
  }
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unreachable(databaseUrl: string, error: unknown, purpose = "migrate it"): AppError {
  return new AppError(
    "UNAVAILABLE",
    `Could not connect to Postgres at ${describeDatabase(databaseUrl)} to ${purpose}: ${messageOf(error)}. ` +
      "Check that Postgres is running and that the database URL (host, port, user, password) is right.",
    { cause: error },
  );
}

function parseUrl(databaseUrl: string): URL {
  try {
    return new URL(databaseUrl);
  } catch (error) {
    // The URL itself may hold a password: do not echo it.
    throw new AppError(
      "INVALID_INPUT",
      "The database URL is not a valid URL; expected postgresql://user:password@host:5432/database",
      { cause: error },
    );
  }
}
