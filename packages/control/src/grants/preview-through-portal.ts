import { AppError } from "@portcullis/contracts/errors";
import type { ConfigSnapshot, SnapshotServer } from "@portcullis/contracts/snapshot";
import { portalTools } from "@portcullis/policy/portal-tools";
import type { VisibleTool } from "@portcullis/policy/visible-tools";

/**
 * The agent's visible tools as one portal presents them: the gateway's rule (portalTools,
 * then only what the agent's grants let it see), with each tool under the portal's name
 * for it. Returns the tool and that name, in the portal's order.
 */
export function previewThroughPortal(
  doc: ConfigSnapshot,
  portalId: string,
  visible: VisibleTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
): Array<{ visible: VisibleTool; name: string }> {
  const portal = doc.portals.find((p) => p.id === portalId);
  if (!portal) throw new AppError("NOT_FOUND", `portal ${portalId} does not exist`);
  const byTool = new Map(visible.map((v) => [v.tool.id, v]));
  return portalTools(portal, doc.tools, serversById).tools.flatMap((t) => {
    const v = byTool.get(t.tool.id);
    return v ? [{ visible: v, name: t.name }] : [];
  });
}
