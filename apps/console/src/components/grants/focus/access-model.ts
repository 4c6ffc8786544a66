import type { AppRouter } from "@portcullis/api/root";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type ToolFilter = NonNullable<Inputs["grants"]["access"]["byServer"]["filter"]>;
export type PrincipalRef = Inputs["grants"]["access"]["byServer"]["principal"];
export type AccessEffect = Outputs["grants"]["access"]["byTool"]["items"][number]["effect"];
export type GrantRef = Outputs["grants"]["access"]["byServer"]["rows"][number]["grants"][number];
export type BulkPlan = Outputs["grants"]["bulk"]["preview"];
export type Risk = "read" | "write" | "destructive";

export const ACCESS_EFFECTS: readonly AccessEffect[] = ["allow", "approve", "deny", "none"];
export const RISKS: readonly Risk[] = ["read", "write", "destructive"];

export const ACCESS_LABELS: Record<AccessEffect, string> = {
  allow: "Allowed",
  approve: "Requires approval",
  deny: "Denied",
  none: "No grant",
};

/** `team:team_…` / `agent:agt_…` / `user:<user id>` (a person) in the URL. */
export function principalParam(ref: PrincipalRef): string {
  return `${ref.type}:${ref.id}`;
}

export function parsePrincipal(param: string | null): PrincipalRef | null {
  const [type, id] = (param ?? "").split(":");
  if (!id || (type !== "team" && type !== "agent" && type !== "user")) return null;
  return { type, id };
}

/** A filter without its empty fields, so query keys stay stable. */
export function compactFilter(filter: ToolFilter): ToolFilter {
  return {
    ...(filter.serverId && { serverId: filter.serverId }),
    ...(filter.toolPattern?.trim() && { toolPattern: filter.toolPattern.trim() }),
    ...(filter.risk?.length && { risk: filter.risk }),
    ...(filter.effect?.length && { effect: filter.effect }),
  };
}

export function grantText(g: GrantRef): string {
  return `${g.toolPattern} → ${g.effect}${g.inherited ? " (team)" : ""}`;
}
