import type { GrantEffect, RiskClass } from "@portcullis/contracts/snapshot";
import type { Prisma } from "@portcullis/db/client";
import { matchesToolPattern } from "@portcullis/policy/tool-pattern";

/** A principal's access to one tool: the deciding grant's effect, or `none` (default deny). */
export type AccessEffect = GrantEffect | "none";
export const ACCESS_EFFECTS = ["allow", "approve", "deny", "none"] as const;

/** Narrows the tools an access view or a bulk change covers. Every field is optional. */
export interface ToolFilter {
  serverId?: string;
  /** A glob on the upstream tool name (`delete_*`), as grant patterns are written. */
  toolPattern?: string;
  risk?: RiskClass[];
  effect?: AccessEffect[];
}

/** The database part of a filter (server and risk); the pattern and effect are matched in memory. */
export function toolWhere(orgId: string, filter: ToolFilter): Prisma.ToolWhereInput {
  const and: Prisma.ToolWhereInput[] = [{ orgId, status: { not: "removed" } }];
  if (filter.serverId !== undefined) and.push({ serverId: filter.serverId });
  if (filter.risk !== undefined && filter.risk.length > 0) {
    // The effective risk: the admin's override, else the derived class.
    and.push({
      OR: [{ riskOverride: { in: filter.risk } }, { riskOverride: null, riskClass: { in: filter.risk } }],
    });
  }
  return { AND: and };
}

export function matchesPattern(filter: ToolFilter, upstreamName: string): boolean {
  const pattern = filter.toolPattern?.trim();
  return !pattern || matchesToolPattern(pattern, upstreamName);
}

export function matchesEffect(filter: ToolFilter, effect: AccessEffect): boolean {
  return filter.effect === undefined || filter.effect.length === 0 || filter.effect.includes(effect);
}

/** Whether the filter narrows tools at all (servers with no matching tool are then left out). */
export function narrows(filter: ToolFilter): boolean {
  return (
    Boolean(filter.toolPattern?.trim()) || (filter.risk?.length ?? 0) > 0 || (filter.effect?.length ?? 0) > 0
  );
}
