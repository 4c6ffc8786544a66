import { ROLES } from "@portcullis/auth/permissions";
import { createInvitation } from "@portcullis/control/identity/create-invitation";
import { invitationAcceptUrl } from "@portcullis/control/identity/invitation-token";
import { listMembers, listPendingInvitations } from "@portcullis/control/members/list-members";
import { MEMBER_SORTS, pageMembers } from "@portcullis/control/members/page-members";
import { removeMember } from "@portcullis/control/members/remove-member";
import { setMemberRole } from "@portcullis/control/members/set-member-role";
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
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
});
const read = permissionProcedure("members.read");
const write = permissionProcedure("members.write");

// Memberships are not part of the gateway snapshot: these mutations publish none.
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
  remove: changeProcedure("members.write")
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
      return removed;
    }),
});
