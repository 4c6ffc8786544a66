import type { ToolExposure } from "@portcullis/contracts/exposure";
import { effectiveExposure } from "@portcullis/policy/context/exposure";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { portalOf } from "../portals/portal-view";

/** The caller's exposure: the agent's own setting wins over its portal's, then `full`. */
export function exposureOf(call: CallContext): ToolExposure {
  const { identity } = call;
  const portal =
    call.portal === null ? undefined : portalOf(call.snapshot, policySubject(identity).orgId, call.portal);
  // A person has no exposure setting of their own: their portal's, then `full`.
  const own = identity.kind === "agent" ? identity.agent.exposure : null;
  return effectiveExposure(own, portal?.portal.exposure);
}
