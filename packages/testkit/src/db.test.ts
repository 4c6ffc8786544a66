import pg from "pg";
import { afterAll, expect, test } from "vitest";
import { createTestDatabase } from "./db";

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432";
const admin = new pg.Client({
  connectionString: Object.assign(new URL(BASE_URL), { pathname: "/postgres" }).toString(),
});
const connected = admin.connect();

afterAll(async () => {
  await admin.end();
});

async function databaseExists(name: string): Promise<boolean> {
  await connected;
  const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return rows.length === 1;
}

test("gives each caller a fresh, migrated database and drops it", async () => {
  const first = await createTestDatabase({ name: "Testkit Self-Test" });
  const second = await createTestDatabase();
  const firstName = new URL(first.url).pathname.slice(1);
  const secondName = new URL(second.url).pathname.slice(1);
  try {
    expect(firstName).toMatch(/^pc_test_testkit_self_test_[0-9a-f]{12}$/);
    expect(secondName).toMatch(/^pc_test_[0-9a-f]{12}$/);

    // Migrated: the client works against the schema, and the two databases are separate.
    await first.db.organization.create({
      data: { id: "org_1", name: "Acme", slug: "acme", updatedAt: new Date() },
    });
    expect(await first.db.organization.count()).toBe(1);
    expect(await second.db.organization.count()).toBe(0);
  } finally {
    await first.drop();
    await second.drop();
  }
  expect(await databaseExists(firstName)).toBe(false);
  expect(await databaseExists(secondName)).toBe(false);
  await first.drop(); // a second drop (e.g. from afterAll after a failed test) is harmless
});

test("drop() succeeds even when a test left a connection open", async () => {
  const { url, drop } = await createTestDatabase();
  const straggler = new pg.Client({ connectionString: url });
  straggler.on("error", () => {}); // the forced drop terminates it
  await straggler.connect();
  await drop();
  expect(await databaseExists(new URL(url).pathname.slice(1))).toBe(false);
  await straggler.end().catch(() => {});
});
