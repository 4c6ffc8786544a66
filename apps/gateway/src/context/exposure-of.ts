import type { ToolExposure } from "@portcullis/contracts/exposure";
import { effectiveExposure } from "@portcullis/policy/context/exposure";
import type { CallContext } from "../pipeline/request-context";

/** The caller's exposure (the portal's setting joins here once portals land: agent wins). */
export function exposureOf(call: CallContext): ToolExposure {
  return effectiveExposure(call.identity.agent.exposure);
}
