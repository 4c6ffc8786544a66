import type { ItemViews } from "../mcp/item-access";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import { portalOf } from "./portal-view";

const narrowed = new WeakMap<ItemViews, Map<string, ItemViews>>();

/**
 * An agent's resource and prompt grants narrowed to a portal's servers: through a portal
 * an agent reads resources and gets prompts of the servers the portal selects, and only
 * those its grants allow. An unknown portal narrows to nothing (the endpoint refuses it first).
 */
export function portalItemViews(
  snapshot: CompiledSnapshot,
  orgId: string,
  portal: string,
  views: ItemViews,
): ItemViews {
  let byPortal = narrowed.get(views);
  if (!byPortal) {
    byPortal = new Map();
    narrowed.set(views, byPortal);
  }
  let out = byPortal.get(portal);
  if (out) return out;
  const serverIds = portalOf(snapshot, orgId, portal)?.serverIds ?? new Set<string>();
  out = {
    resources: { ...views.resources, servers: views.resources.servers.filter((s) => serverIds.has(s.id)) },
    prompts: { ...views.prompts, servers: views.prompts.servers.filter((s) => serverIds.has(s.id)) },
  };
  byPortal.set(portal, out);
  return out;
}
