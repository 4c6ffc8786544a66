import { listAdminAudit } from "@portcullis/control/history/list-admin-audit";
import { listSnapshots } from "@portcullis/control/history/list-snapshots";
import { z } from "zod";
import { permissionProcedure, router } from "../../trpc";

const read = permissionProcedure("config.read");

export const historyRouter = router({
  /** Config snapshot versions, newest first, 20 a page; with this organization's changes in each. */
  snapshots: read
    .input(
      z
        .object({
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(100).optional(),
        })
        .optional(),
    )
    .output(
      z.object({
        items: z.array(
          z.object({
            version: z.number().int(),
            createdAt: z.date(),
            createdBy: z.string().nullable(),
            summary: z.string().nullable(),
            changeCount: z.number().int(),
            changes: z.array(
              z.object({
                id: z.string(),
                action: z.string(),
                targetType: z.string(),
                actorName: z.string().nullable(),
                name: z.string().nullable(),
              }),
            ),
          }),
        ),
        nextCursor: z.number().int().nullable(),
      }),
    )
    .query(({ ctx, input }) => listSnapshots(ctx.db, { orgId: ctx.org.id, ...input })),

  /** The admin audit log, newest first, 50 a page; `action` exact or a prefix ending in "." (`grant.`). */
  adminAudit: read
    .input(
      z
        .object({
          cursor: z.string().max(1000).optional(),
          action: z.string().max(100).optional(),
          targetType: z.string().max(100).optional(),
          targetId: z.string().max(100).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .optional(),
    )
    .output(
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            actorType: z.string(),
            actorName: z.string().nullable(),
            action: z.string(),
            targetType: z.string(),
            targetId: z.string().nullable(),
            details: z.unknown(),
            createdAt: z.date(),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
    )
    .query(({ ctx, input }) => listAdminAudit(ctx.db, { orgId: ctx.org.id, ...input })),
});
