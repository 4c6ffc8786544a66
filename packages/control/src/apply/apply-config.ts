import { type ConfigFile, configFile } from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { Prisma } from "@portcullis/db/client";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { formatConfigPath } from "../change-plan/config-path";
import { type Db, LONG_TRANSACTION, type Tx } from "../db";
import { loadOAuthState } from "../oauth/oauth-settings";
import { resolveDesiredState } from "./desired-state";
import { type Installation, loadInstallation } from "./load-installation";
import type { ApplyContext, ApplyPlan, PlanChange, PlanKind } from "./plan";
import { planChanges } from "./plan-changes";
import { planOAuth } from "./plan-oauth";
import { NO_PORTALS } from "./plan-portals";
import { assertPeopleAreMembers } from "./resolve-people";

export interface ApplyOptions {
  actor: { type: "cli" | "user"; id?: string; name?: string };
  /** Where `{ env: NAME }` secret references are read from. */
  env: Record<string, string | undefined>;
  secretKey: Buffer;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
}

/** The organization a file targets when it names none and none exists yet. */
export const DEFAULT_ORGANIZATION_SLUG = "default";

// Serializes applies: two concurrent applies would each plan against a state the other is changing.
const APPLY_LOCK = 7_150_512_302;

const AUDIT_TARGET: Record<PlanKind, string> = {
  organization: "organization",
  server: "server",
  team: "team",
  agent: "agent",
  grant: "grant",
  toolRisk: "tool_risk",
  tool: "tool",
  policy: "policy",
  portal: "portal",
  oauthSettings: "oauth_settings",
  oauthClient: "oauth_client",
};

const EMPTY: Installation = {
  servers: [],
  teams: [],
  agents: [],
  grants: [],
  itemGrants: [],
  tools: [],
  policies: [],
  portals: NO_PORTALS,
  people: [],
};

/**
 * Makes the target organization match the config file exactly: entries are identified by
 * name, created, updated or deleted as needed, all in one transaction with one
 * AdminAuditLog row per change. Idempotent: re-applying the same file plans nothing and
 * writes nothing (secrets are compared by value, not by ciphertext).
 *
 * The organization is `file.organization` (created if missing), else the only existing
 * one, else a new `default` organization.
 *
 * @throws AppError INVALID_INPUT naming the entry (`agents[0].team: unknown team "x"`);
 *   CONFLICT when a concurrent change collides.
 * @returns the plan: what changed (or, with `dryRun`, what would change).
 */
export async function applyConfig(db: Db, file: ConfigFile, opts: ApplyOptions): Promise<ApplyPlan> {
  const parsed = validated(file);
  const desired = resolveDesiredState(parsed, opts.env);
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${APPLY_LOCK}::bigint)`;
      const org = await targetOrganization(tx, parsed.organization);
      const installation = org.id === null ? EMPTY : await loadInstallation(tx, org.id);
      assertPeopleAreMembers(desired, installation, org.slug);
      const ops = [
        ...planChanges(installation, desired, opts.secretKey),
        ...planOAuth(await loadOAuthState(tx), parsed.oauth),
      ];
      const plan: ApplyPlan = [
        ...(org.id === null
          ? [{ action: "create", kind: "organization", name: org.slug } satisfies PlanChange]
          : []),
        ...ops.map((op) => op.change),
      ];
      if (opts.dryRun) return plan;

      const actor: Actor = opts.actor;
      const orgId = org.id ?? (await createOrganization(tx, org.slug, actor));
      const ctx: ApplyContext = {
        orgId,
        secretKey: opts.secretKey,
        createdBy: actorLabel(actor),
        actor,
        serverIds: new Map(installation.servers.map((s) => [s.name, s.id])),
        teamIds: new Map(installation.teams.map((t) => [t.name, t.id])),
        agentIds: new Map(installation.agents.map((a) => [a.name, a.id])),
        userIds: new Map(installation.people.map((p) => [p.email, p.id])),
      };
      for (const op of ops) {
        if (!op.run) continue;
        const targetId = await op.run(tx, ctx);
        if (op.auditedByRun) continue;
        await recordAdminChange(tx, {
          orgId,
          actor,
          action: `${AUDIT_TARGET[op.change.kind]}.${op.change.action}`,
          targetType: AUDIT_TARGET[op.change.kind],
          targetId,
          details: {
            name: op.change.name,
            source: "apply",
            ...(op.change.fields && { fields: op.change.fields }),
            ...op.details,
          },
        });
      }
      return plan;
    }, LONG_TRANSACTION);
  } catch (error) {
    throw asConflict(error);
  }
}

function validated(file: ConfigFile): ConfigFile {
  // Callers other than loadConfigFile (console, tests) may hand in an unparsed object.
  const parsed = configFile.safeParse(file);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${formatConfigPath(i.path)}: ${i.message}`);
  throw new AppError("INVALID_INPUT", `invalid config file:\n  ${lines.join("\n  ")}`);
}

async function targetOrganization(
  tx: Tx,
  slug: string | undefined,
): Promise<{ id: string | null; slug: string }> {
  if (slug !== undefined) {
    const org = await tx.organization.findUnique({ where: { slug }, select: { id: true } });
    return { id: org?.id ?? null, slug };
  }
  const orgs = await tx.organization.findMany({
    select: { id: true, slug: true },
    take: 10,
    orderBy: { slug: "asc" },
  });
  if (orgs.length === 0) return { id: null, slug: DEFAULT_ORGANIZATION_SLUG };
  if (orgs.length > 1) {
    throw new AppError(
      "INVALID_INPUT",
      `organization: several organizations exist (${orgs.map((o) => o.slug).join(", ")}); ` +
        "name the one this file configures with `organization: <slug>`",
    );
  }
  return orgs[0]!;
}

async function createOrganization(tx: Tx, slug: string, actor: Actor): Promise<string> {
  const id = newId("organization");
  await tx.organization.create({ data: { id, slug, name: slug } });
  await recordAdminChange(tx, {
    orgId: id,
    actor,
    action: "organization.create",
    targetType: "organization",
    targetId: id,
    details: { name: slug, source: "apply" },
  });
  return id;
}

function asConflict(error: unknown): unknown {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return error;
  if (error.code === "P2002" || error.code === "P2003" || error.code === "P2034") {
    return new AppError(
      "CONFLICT",
      `the installation changed while the file was being applied (${error.code}: ${error.message.split("\n").at(-1)}); apply again`,
      { cause: error },
    );
  }
  return error;
}
