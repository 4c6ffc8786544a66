import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import type { CallContext } from "./request-context";

/** What every governance stage of tools/call gets: the call context and the resolved tool. */
export interface StageInput {
  /** Who calls under which snapshot, and where findings are recorded (`ctx.audit`). */
  ctx: CallContext;
  server: SnapshotServer;
  tool: SnapshotTool;
}
