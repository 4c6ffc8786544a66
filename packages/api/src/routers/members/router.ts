import { ROLES } from "@portcullis/auth/permissions";
import { oauthLastUseKey } from "@portcullis/contracts/redis-keys";
import { createInvitation } from "@portcullis/control/identity/create-invitation";
import { invitationAcceptUrl } from "@portcullis/control/identity/invitation-token";
import { listMembers, listPendingInvitations } from "@portcullis/control/members/list-members";
import { MEMBER_SORTS, pageMembers } from "@portcullis/control/members/page-members";
import { removeMember } from "@portcullis/control/members/remove-member";
import { setMemberRole } from "@portcullis/control/members/set-member-role";
import { setMemberSuspended } from "@portcullis/control/members/suspend-member";
import { listOAuthConnections } from "@portcullis/control/oauth/list-connections";
import { revokeOAuthConnection, revokePersonConnections } from "@portcullis/control/oauth/revoke-connection";
import { endGrantState } from "@portcullis/oauth/redis-adapter";
import { z } from "zod";
import { DEFAULT_CONSOLE_URL } from "../../context";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { entityId } from "../inputs";
import { pageInput, pageOutput } from "../page-input";

const role = z.enum(ROLES);
const memberSummary = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role,
  joinedAt: z.date(),
  /** Suspended members keep their membership; gateways refuse their OAuth tokens. */
  suspended: z.boolean().optional(),
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
});
const read = permissionProcedure("members.read");
const write = permissionProcedure("members.write");
// People are callers at the gateway (OAuth): removing or suspending one, or revoking one of
// their client connections, changes what gateways enforce and publishes a snapshot.
const change = changeProcedure("members.write");
const connectionSummary = z.object({
  id: z.string(),
  userId: z.string(),
  personEmail: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  redirectUri: z.string(),
  scopes: z.array(z.string()),
  resources: z.array(z.string()),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
});

export const membersRouter = router({
  list: read.output(z.array(memberSummary)).query(({ ctx }) => listMembers(ctx.db, ctx.org.id)),

  /** A page of members, searched by email or name, filtered by role or team, sorted by the database. */
  page: read
    .input(pageInput(MEMBER_SORTS).extend({ role: role.optional(), teamId: entityId.optional() }).optional())
    .output(pageOutput(memberSummary))
    .query(({ ctx, input }) => pageMembers(ctx.db, { ...input, orgId: ctx.org.id })),

  /** Open invitations (not accepted, not expired). */
  invitations: read
    .output(
      z.array(
        z.object({ id: z.string(), email: z.string(), role, expiresAt: z.date(), createdAt: z.date() }),
      ),
    )
    .query(({ ctx }) => listPendingInvitations(ctx.db, ctx.org.id)),

  setRole: write
    .meta({ notInSnapshot: "memberships are console access, not in the snapshot" })
    .input(z.object({ userId: entityId, role }))
    .output(z.object({ userId: z.string(), role, changed: z.boolean() }))
    .mutation(({ ctx, input }) =>
      setMemberRole(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, actorRole: ctx.org.role, ...input }),
    ),

  /** Invites an email with a role; the accept URL is shown once (only the token's hash is stored). */
  invite: write
    .meta({ notInSnapshot: "memberships are console access, not in the snapshot" })
    .input(z.object({ email: z.string().trim().min(3).max(320), role }))
    .output(z.object({ invitationId: z.string(), acceptUrl: z.string(), expiresAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const invitation = await createInvitation(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        actorRole: ctx.org.role,
        ...input,
      });
      return {
        invitationId: invitation.invitationId,
        acceptUrl: invitationAcceptUrl(ctx.consoleUrl ?? DEFAULT_CONSOLE_URL, invitation.token),
        expiresAt: invitation.expiresAt,
      };
    }),

  // Publishes: the snapshot's people, and the grants naming the person, change.
  remove: change
    .input(z.object({ userId: entityId }))
    .output(z.object({ userId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const removed = await removeMember(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        actorRole: ctx.org.role,
        userId: input.userId,
      });
      ctx.change.describe(`members.remove ${removed.userId}`);
      // Their MCP clients go too: tokens are refused (they are out of the snapshot) and the
      // grants are ended, so an invitation back does not revive an old connection.
      for (const grantId of await revokePersonConnections(ctx.db, ctx.org.id, input.userId)) {
        await endGrantState(ctx.redis, ctx.names.prefix, grantId);
      }
      return removed;
    }),

  /** Suspends a member (or lifts it): their OAuth tokens stop working at every gateway. */
  setSuspended: change
    .input(z.object({ userId: entityId, suspended: z.boolean() }))
    .output(z.object({ userId: z.string(), suspended: z.boolean(), changed: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const result = await setMemberSuspended(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        actorRole: ctx.org.role,
        ...input,
      });
      if (!result.changed) ctx.change.unchanged();
      return result;
    }),

  /** The MCP clients members connected through OAuth (client name, scopes, last use). */
  connections: read
    .input(z.object({ userId: entityId.optional() }).optional())
    .output(z.array(connectionSummary))
    .query(async ({ ctx, input }) => {
      const rows = await listOAuthConnections(ctx.db, ctx.org.id, input?.userId);
      if (rows.length === 0) return [];
      // Gateways record last use in Redis (once a minute per connection), not in Postgres.
      const seen = await ctx.redis
        .hmget(oauthLastUseKey(ctx.names), ...rows.map((r) => r.grantId))
        .catch(() => rows.map(() => null));
      return rows.map(({ grantId: _grant, ...r }, i) => ({
        ...r,
        lastUsedAt: seen[i] ? new Date(Number(seen[i])) : r.lastUsedAt,
      }));
    }),

  /** Revokes one client connection: its tokens are refused within a second and refreshing fails. */
  revokeConnection: change
    .input(z.object({ connectionId: entityId }))
    .output(z.object({ connectionId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { connectionId, grantId } = await revokeOAuthConnection(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        connectionId: input.connectionId,
      });
      await endGrantState(ctx.redis, ctx.names.prefix, grantId);
      return { connectionId };
    }),
});
