import { permissionsOf } from "@portcullis/auth/permissions";
import { orgProcedure, router } from "../../trpc";

export const meRouter = router({
  /** Who is signed in, in which organization, with which role and permissions. */
  get: orgProcedure.query(({ ctx }) => ({
    user: ctx.user,
    org: { id: ctx.org.id, name: ctx.org.name, slug: ctx.org.slug },
    role: ctx.org.role,
    permissions: permissionsOf(ctx.org.role),
  })),
});
