import { metaToolsFor } from "@portcullis/policy/context/meta-tools";
import type { Tool } from "@portcullis/upstream/types";
import { listToolsFor } from "../mcp/list-tools";
import { toolsForRevision } from "../mcp/tool-execution";
import type { CallContext } from "../pipeline/request-context";
import { listPortalTools, portalViewOf } from "../portals/portal-requests";
import { exposureOf } from "./exposure-of";

/**
 * tools/list by exposure: every granted tool in `full`, the mode's meta-tools otherwise,
 * and beside them, through a portal, the portal's pinned tools the agent may see.
 */
export function listToolsByExposure(call: CallContext): Tool[] {
  const exposure = exposureOf(call);
  if (exposure === "full") {
    const tools =
      call.portal !== null ? listPortalTools(call) : listToolsFor(call.snapshot.viewOf(call.identity));
    return toolsForRevision(tools, call.protocolVersion);
  }
  const meta = metaToolsFor(exposure) as Tool[];
  return call.portal !== null
    ? [...meta, ...toolsForRevision(portalViewOf(call).pinned, call.protocolVersion)]
    : meta;
}
