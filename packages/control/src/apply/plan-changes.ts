import type { DesiredState } from "./desired-state";
import type { Installation } from "./load-installation";
import type { Operation } from "./plan";
import { planGrants } from "./plan-grants";
import { planItemGrants } from "./plan-item-grants";
import { planPolicies } from "./plan-policies";
import { planPortals } from "./plan-portals";
import { planServers } from "./plan-servers";
import { planAgents, planTeams } from "./plan-teams-agents";
import { planTools } from "./plan-tools";

/**
 * Every change that takes `installation` to `desired`, in an order that respects the
 * foreign keys: grants leave before their subjects, teams and servers exist before the
 * agents and grants that point at them, agents leave their team before it is deleted.
 */
export function planChanges(
  installation: Installation,
  desired: DesiredState,
  secretKey: Buffer,
): Operation[] {
  const servers = planServers(installation.servers, desired.servers, secretKey);
  const teams = planTeams(installation.teams, desired.teams, secretKey);
  const agents = planAgents(installation.agents, desired.agents);
  const grants = planGrants(installation.grants, desired.grants);
  const itemGrants = planItemGrants(installation.itemGrants, desired.itemGrants);
  const tools = planTools(installation.tools, desired.tools, new Set(desired.servers.map((s) => s.name)));
  const policies = planPolicies(installation, desired.policies);
  const portals = planPortals(
    installation.portals,
    desired.portals,
    desired.servers.map((s) => s.name),
  );
  return [
    ...portals.deletes,
    ...policies.deletes,
    ...grants.deletes,
    ...itemGrants.deletes,
    ...servers.upserts,
    ...teams.upserts,
    ...agents,
    ...teams.deletes,
    ...servers.deletes,
    ...grants.upserts,
    ...itemGrants.upserts,
    ...tools,
    ...policies.upserts,
    ...portals.upserts,
  ];
}
