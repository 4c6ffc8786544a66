import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import type { AgentIdentity } from "./authenticate";
import type { RequestContext } from "./request-context";

/** What every governance stage of tools/call gets: the resolved call and where to record findings. */
export interface StageInput {
  ctx: RequestContext;
  snapshot: CompiledSnapshot;
  identity: AgentIdentity;
  server: SnapshotServer;
  tool: SnapshotTool;
}
