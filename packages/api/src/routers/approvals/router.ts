import type { Role } from "@portcullis/auth/permissions";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { type ApprovalView, getApproval, listApprovals } from "@portcullis/control/approvals/list-approvals";
import { listTeamWebhooks } from "@portcullis/control/approvals/list-team-webhooks";
import {
  decidableWhere,
  mayDecideApproval,
  memberTeamIds,
} from "@portcullis/control/approvals/may-decide-approval";
import { setTeamWebhook } from "@portcullis/control/approvals/set-team-webhook";
import type { Db } from "@portcullis/db/client";
import { z } from "zod";
import { permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";
import { approvalQueueFor } from "./approval-queue-for";

const read = permissionProcedure("approvals.read");
const decide = permissionProcedure("approvals.decide");

const person = z.object({ id: z.string(), email: z.string(), name: z.string().nullable() });
const approvalItem = z.object({
  id: z.string(),
  status: z.enum(["pending", "approved", "denied", "expired", "executed"]),
  /** Null: a person asked themselves, through `client` (`requester` names them). */
  agent: z.object({ id: z.string(), name: z.string() }).nullable(),
  client: z.object({ id: z.string(), name: z.string() }).nullable(),
  team: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** The teams whose approvers may decide. */
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
  /** `agent ci-bot`, or `person ann@example.com via Claude Code`. */
  caller: z.string(),
  requester: person.nullable(),
  server: z.object({ id: z.string(), name: z.string() }),
  toolName: z.string(),
  exposedName: z.string(),
  riskClass: z.enum(["read", "write", "destructive"]),
  reason: z.string().nullable(),
  arguments: z.unknown(),
  argumentsHash: z.string(),
  highlights: z.array(z.string()),
  source: z
    .object({ type: z.enum(["grant", "policy"]), id: z.string(), name: z.string().nullable() })
    .nullable(),
  requestId: z.string(),
  requestedAt: z.date(),
  expiresAt: z.date(),
  decidedAt: z.date().nullable(),
  decidedBy: person.nullable(),
  comment: z.string().nullable(),
  /** Whether the caller may decide it now (`mayDecideApproval`, and still pending). */
  canDecide: z.boolean(),
  /** Why a pending request is not theirs to decide (null when it is, or when it is decided). */
  cannotDecide: z.enum(["role", "own_request", "not_team_approver", "no_team"]).nullable(),
  /** Made on the caller's behalf: they cannot decide it. */
  ownRequest: z.boolean(),
});

const comment = z.string().trim().max(1000).nullish();

interface Viewer {
  userId: string;
  role: Role;
  teamIds: ReadonlySet<string>;
}

/** The caller as `mayDecideApproval` needs them: role and teams in this organization. */
async function viewerOf(ctx: {
  db: Db;
  org: { id: string; role: Role };
  user: { id: string };
}): Promise<Viewer> {
  const teamIds = await memberTeamIds(ctx.db, ctx.org.id, ctx.user.id);
  return { userId: ctx.user.id, role: ctx.org.role, teamIds };
}

function forViewer(view: ApprovalView, viewer: Viewer) {
  const ownRequest = view.requester?.id === viewer.userId;
  const right = mayDecideApproval(viewer, viewer.teamIds, {
    teams: view.teams,
    requesterId: view.requester?.id ?? null,
  });
  const pending = view.status === "pending";
  return {
    ...view,
    ownRequest,
    canDecide: right.allowed && pending,
    cannotDecide: !right.allowed && pending ? right.reason : null,
  };
}

export const approvalsRouter = router({
  /** Pending requests (oldest first), or decided ones (newest first, paginated). */
  list: read
    .input(
      z
        .object({
          status: z.enum(["pending", "decided"]).default("pending"),
          /** `decidable`: only the requests the caller may decide (`mayDecideApproval`). */
          scope: z.enum(["all", "decidable"]).default("all"),
          cursor: entityId.optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .default({ status: "pending", scope: "all" }),
    )
    .output(
      z.object({ items: z.array(approvalItem), nextCursor: z.string().nullable(), serverTime: z.date() }),
    )
    .query(async ({ ctx, input }) => {
      const now = new Date();
      const viewer = await viewerOf(ctx);
      const { scope, ...query } = input;
      const page = await listApprovals(ctx.db, {
        orgId: ctx.org.id,
        ...query,
        now,
        ...(scope === "decidable" && { only: decidableWhere(viewer, viewer.teamIds) }),
      });
      // The server's clock, so the console counts down to expiry even if the browser's is off.
      return {
        items: page.items.map((v) => forViewer(v, viewer)),
        nextCursor: page.nextCursor,
        serverTime: now,
      };
    }),

  get: read
    .input(byId)
    .output(approvalItem)
    .query(async ({ ctx, input }) =>
      forViewer(await getApproval(ctx.db, ctx.org.id, input.id), await viewerOf(ctx)),
    ),

  /**
   * Approves a pending request. `argumentsHash` is the hash of the arguments the approver
   * was shown: if they are not the request's any more, the approval is refused.
   */
  approve: decide
    .meta({ notInSnapshot: "a decision reaches the waiting gateway over the approval decision protocol" })
    .input(
      z.object({
        id: entityId,
        comment,
        argumentsHash: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
      }),
    )
    .output(z.object({ id: z.string(), status: z.enum(["approved", "denied"]), decidedAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const decided = await decideApproval(
        ctx.db,
        ctx.redis,
        ctx.names,
        {
          orgId: ctx.org.id,
          approvalId: input.id,
          decision: "approve",
          comment: input.comment ?? null,
          deciderId: ctx.user.id,
          via: "user",
          secretKey: ctx.secretKey,
          ...(input.argumentsHash !== undefined && { seenArgumentsHash: input.argumentsHash }),
        },
        approvalQueueFor(ctx.redis, ctx.names),
      );
      return { id: decided.id, status: decided.status, decidedAt: decided.decidedAt };
    }),

  /** Denies a pending request; the comment is the reason the agent is given. */
  deny: decide
    .meta({ notInSnapshot: "a decision reaches the waiting gateway over the approval decision protocol" })
    .input(z.object({ id: entityId, comment }))
    .output(z.object({ id: z.string(), status: z.enum(["approved", "denied"]), decidedAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const decided = await decideApproval(
        ctx.db,
        ctx.redis,
        ctx.names,
        {
          orgId: ctx.org.id,
          approvalId: input.id,
          decision: "deny",
          comment: input.comment ?? null,
          deciderId: ctx.user.id,
          via: "user",
          secretKey: ctx.secretKey,
        },
        approvalQueueFor(ctx.redis, ctx.names),
      );
      return { id: decided.id, status: decided.status, decidedAt: decided.decidedAt };
    }),

  /** Each team's approval webhook, by host only (the rest of the URL is a secret). */
  webhooks: permissionProcedure("teams.read")
    .output(
      z.array(z.object({ teamId: z.string(), teamName: z.string(), webhookHost: z.string().nullable() })),
    )
    .query(({ ctx }) => listTeamWebhooks(ctx.db, ctx.org.id)),

  /**
   * Sets or clears (null) a team's Slack-compatible approval webhook. The URL is stored sealed
   * and never returned: the console sees its host only.
   */
  setWebhook: permissionProcedure("teams.write")
    .meta({ notInSnapshot: "team webhooks are read by the worker from Postgres, not by gateways" })
    .input(z.object({ teamId: entityId, url: z.string().trim().url().max(2000).nullable() }))
    .output(z.object({ teamId: z.string(), webhookHost: z.string().nullable() }))
    .mutation(({ ctx, input }) =>
      setTeamWebhook(ctx.db, {
        orgId: ctx.org.id,
        teamId: input.teamId,
        url: input.url,
        actor: ctx.actor,
        secretKey: ctx.secretKey,
      }),
    ),
});
