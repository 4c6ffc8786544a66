import { can, type Permission } from "@portcullis/auth/permissions";
import {
  SEARCH_KINDS,
  type SearchKind,
  searchEverything,
} from "@portcullis/control/search/search-everything";
import { z } from "zod";
import { permissionProcedure, router } from "../../trpc";

/** The permission that reads each kind: the box finds only what the caller could open. */
const READ_PERMISSION: Record<SearchKind, Permission> = {
  server: "servers.read",
  tool: "tools.read",
  team: "teams.read",
  agent: "agents.read",
  person: "members.read",
  policy: "policies.read",
  // Portals are listed and edited with the servers they expose.
  portal: "servers.read",
};

/** The command palette's global search. */
export const searchRouter = router({
  everything: permissionProcedure("overview.read")
    .input(
      z.object({
        query: z.string().max(200),
        perKind: z.number().int().min(1).max(20).optional(),
        /** Only these kinds (a principal picker asks for teams and agents). */
        kinds: z.array(z.enum(SEARCH_KINDS)).max(SEARCH_KINDS.length).optional(),
      }),
    )
    .output(
      z.array(
        z.object({
          kind: z.enum(SEARCH_KINDS),
          id: z.string(),
          name: z.string(),
          detail: z.string().nullable(),
          parentId: z.string().nullable(),
          email: z.string().optional(),
        }),
      ),
    )
    .query(({ ctx, input }) =>
      searchEverything(ctx.db, {
        orgId: ctx.org.id,
        query: input.query,
        perKind: input.perKind,
        kinds: SEARCH_KINDS.filter(
          (kind) => can(ctx.org.role, READ_PERMISSION[kind]) && (input.kinds?.includes(kind) ?? true),
        ),
      }),
    ),
});
