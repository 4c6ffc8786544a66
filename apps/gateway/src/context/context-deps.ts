import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { AuditRecorderSink } from "../audit/audit-recorder";
import type { CallToolStages } from "../pipeline/call-tool";
import type { SandboxLimits } from "./sandbox-limits";

/** What the meta-tools need: the same pool and stages as tools/call, and the audit sink for inner calls. */
export interface ContextDeps {
  pool: UpstreamPool;
  stages: CallToolStages;
  audit: AuditRecorderSink;
  sandbox: SandboxLimits;
  /** `execute` runs in progress on this process (bounded by `sandbox.concurrentRuns`). */
  running: { count: number };
}
