import { PrismaPg } from "@prisma/adapter-pg";
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
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}
