import { can, type Permission, type Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "@portcullis/control/admin-audit/actor";
import { loadMember } from "@portcullis/control/identity/load-member";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import type { ApiContext } from "./context";
import { errorData, toTRPCError } from "./errors";
import { publishChange } from "./publish-change";
import { traceProcedureCall } from "./tracing";

export interface ApiMeta {
  /** The permission a procedure checks; every procedure below orgProcedure names one. */
  permission?: Permission;
  /** Set by changeProcedure: a successful call publishes a config snapshot. */
  publishes?: true;
  /**
   * Why a mutation that is not a changeProcedure never changes what gateways enforce
   * (memberships, approval decisions, a job that publishes itself). Every mutation has
   * either this or `publishes` (trpc.test checks).
   */
  notInSnapshot?: string;
}

const t = initTRPC
  .context<ApiContext>()
  .meta<ApiMeta>()
  .create({
    transformer: superjson,
    errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...errorData(error) } }),
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every error leaves a procedure through here: AppError codes become tRPC codes, bugs become INTERNAL. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

/** A span per call (OpenTelemetry), outermost so that it sees the mapped error code. */
const traced = t.middleware(({ path, type, next }) => traceProcedureCall(path, type, next));

/** No check: login-adjacent procedures only. */
export const publicProcedure = t.procedure.use(traced).use(mapErrors);

/** A signed-in user. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.session === null) throw new AppError("UNAUTHENTICATED", "sign in to continue");
  return next({ ctx: { session: ctx.session } });
});

export interface OrgContext {
  user: { id: string; email: string; name: string | null };
  org: { id: string; role: Role; name: string; slug: string };
  /** The user as the author of admin audit rows and snapshots. */
  actor: Actor;
}

/**
 * A member of an organization. The membership is read from the database on every call, so
 * a removed member loses access at once and a role change applies to the next request.
 */
export const orgProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const member = await loadMember(ctx.db, ctx.session.userId);
  if (!member) throw new AppError("FORBIDDEN", "not allowed: you are not a member of any organization");
  const org: OrgContext = {
    user: member.user,
    org: { id: member.org.id, role: member.role, name: member.org.name, slug: member.org.slug },
    actor: { type: "user", id: member.user.id, name: member.user.email },
  };
  return next({ ctx: org });
});

/** A member whose role holds `permission`. */
export function permissionProcedure(permission: Permission) {
  return orgProcedure.meta({ permission }).use(({ ctx, next }) => {
    if (!can(ctx.org.role, permission)) {
      throw new AppError("FORBIDDEN", `not allowed: this needs the '${permission}' permission`, {
        details: { permission },
      });
    }
    return next();
  });
}

/** What a changeProcedure's handler may say about its change; saying nothing publishes. */
export interface SnapshotChange {
  /** The snapshot's summary (`servers.create everything`); default: the procedure's path. */
  describe(summary: string): void;
  /** Nothing the gateways see changed (an update that changed no field): publish nothing. */
  unchanged(): void;
}

/**
 * A mutation of configuration that gateways enforce. Once the handler has returned (its
 * change committed), a config snapshot is published here, the one place that does it, so
 * no mutation can forget to: a handler opts out only by saying its call changed nothing.
 * If Redis is down the change stays committed and the UNAVAILABLE error says so.
 */
export function changeProcedure(permission: Permission) {
  return permissionProcedure(permission)
    .meta({ permission, publishes: true })
    .use(async ({ ctx, path, next }) => {
      let summary: string | null = path;
      const change: SnapshotChange = {
        describe: (text) => {
          summary = text;
        },
        unchanged: () => {
          summary = null;
        },
      };
      const result = await next({ ctx: { change } });
      if (result.ok && summary !== null) await publishChange(ctx, summary);
      return result;
    });
}
