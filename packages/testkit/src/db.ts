import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@portcullis/db/client";
import { migrate } from "@portcullis/db/migrate";
import pg from "pg";

/** Test infrastructure may read the environment: CI points this at its own Postgres. */
const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432";

export interface TestDatabase {
  /** Connection URL of the fresh database, for code under test that connects itself. */
  url: string;
  /** A client on it (small pool: many test files run at once against one Postgres). */
  db: Db;
  /** Disconnects `db` and drops the database, ending any connection still open on it. */
  drop(): Promise<void>;
}

/**
 * Creates a migrated database of its own for one test file, named `pc_test_<name>_<random>`
 * so leftovers of a crashed run are recognisable. Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(options: { name?: string } = {}): Promise<TestDatabase> {
  const name = [
    "pc_test",
    ...(options.name ? [slug(options.name)] : []),
    randomBytes(6).toString("hex"),
  ].join("_");
  const url = withDatabase(BASE_URL, name);
  try {
    await migrate(url);
  } catch (error) {
    await dropDatabase(name).catch(() => {});
    throw error;
  }
  const db = createDb(url, { max: 3 });
  let dropped = false;
  return {
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.$disconnect();
      await dropDatabase(name);
    },
  };
}

/** Drops a test database; WITH (FORCE) ends sessions a test forgot to close. */
async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(BASE_URL, "postgres") });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Keeps the name a plain identifier within Postgres's 63-byte limit. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 30);
}

function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
