import { getOverview } from "@portcullis/control/overview/get-overview";
import { permissionProcedure, router } from "../../trpc";

export const overviewRouter = router({
  get: permissionProcedure("overview.read").query(({ ctx }) => getOverview(ctx.db, ctx.org.id)),
});
