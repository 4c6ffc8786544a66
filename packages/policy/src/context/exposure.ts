import type { ToolExposure } from "@portcullis/contracts/exposure";

/**
 * The exposure a caller gets: its own setting wins over its portal's; neither set is `full`
 * (today's behaviour, so nothing changes for an agent nobody configured).
 */
export function effectiveExposure(
  agentExposure: ToolExposure | null | undefined,
  portalExposure?: ToolExposure | null,
): ToolExposure {
  return agentExposure ?? portalExposure ?? "full";
}
