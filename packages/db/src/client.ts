import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client";

// Re-exported by name so other packages need not reach into ./generated.
export type {
  Account,
  AdminAuditLog,
  Agent,
  ApiKey,
  ApprovalRequest,
  AuditEvent,
  ConfigSnapshot,
  Grant,
  Invitation,
  ItemGrant,
  Membership,
  Organization,
  Policy,
  Portal,
  Server,
  Team,
  TeamMember,
  Tool,
  User,
} from "./generated/client";
export { Prisma } from "./generated/client";
export {
  AgentStatus,
  ApprovalStatus,
  GrantEffect,
  HealthStatus,
  ItemKind,
  PolicyKind,
  RiskClass,
  Role,
  ServerStatus,
  ToolStatus,
  TransportKind,
} from "./generated/enums";

/** The Prisma client Portcullis uses everywhere (Postgres through `@prisma/adapter-pg`). */
export type Db = PrismaClient;

/** A connection of a Db's pool, for the few bulk paths that talk to `pg` directly. */
export type SqlClient = pg.PoolClient;

/** Each Db's `pg` pool (Prisma's adapter runs on it too, so both share the connections). */
const pools = new WeakMap<Db, pg.Pool>();

export interface CreateDbOptions {
  /** Pool size. Each process holds its own pool, so keep it small on shared databases. Default 10. */
  max?: number;
}

/**
 * Creates a Prisma client on a `pg` pool for `databaseUrl`. It connects lazily on the first
 * query; call `$disconnect()` on shutdown so the pool's connections are released.
 *
 * The database's default `search_path` applies: a Prisma-style `?schema=` parameter in the
 * URL is not honoured (neither by this client nor by `migrate`), so both always agree.
 */
export function createDb(databaseUrl: string, options: CreateDbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle connection the server ended (restart, DROP DATABASE … FORCE) is dropped from the
  // pool and replaced on next use; unheard, its error event would crash the process.
  pool.on("error", () => {});
  // disposeExternalPool: `$disconnect()` still ends the pool, as it did when Prisma owned it.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({ adapter });
  pools.set(db, pool);
  return db;
}

/**
 * Runs `work` on one connection of `db`'s pool, outside Prisma: for hot bulk writes whose
 * cost is round trips and per-query overhead (the audit ingest). The connection goes back
 * to the pool afterwards (pg-pool itself discards one that broke).
 */
export async function withSqlClient<T>(db: Db, work: (client: SqlClient) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error("withSqlClient: this Db was not made by createDb");
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
