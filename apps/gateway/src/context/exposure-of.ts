import type { ToolExposure } from "@portcullis/contracts/exposure";
import { effectiveExposure } from "@portcullis/policy/context/exposure";
import type { CallContext } from "../pipeline/request-context";
import { portalOf } from "../portals/portal-view";

/** The caller's exposure: the agent's own setting wins over its portal's, then `full`. */
export function exposureOf(call: CallContext): ToolExposure {
  const portal =
    call.portal === null ? undefined : portalOf(call.snapshot, call.identity.agent.orgId, call.portal);
  return effectiveExposure(call.identity.agent.exposure, portal?.portal.exposure);
}
