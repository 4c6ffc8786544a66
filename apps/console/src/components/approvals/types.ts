import type { AppRouter } from "@portcullis/api/root";
import type { inferRouterOutputs } from "@trpc/server";

export type ApprovalItem = inferRouterOutputs<AppRouter>["approvals"]["list"]["items"][number];
