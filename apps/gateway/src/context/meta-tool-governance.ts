import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { EXECUTE, SEARCH_TOOLS } from "@portcullis/policy/context/meta-tools";
import type { CallToolStages } from "../pipeline/call-tool";
import type { CallContext } from "../pipeline/request-context";
import type { StageInput } from "../pipeline/stage-input";

/**
 * For policy scopes, `search_tools` and `execute` are tools of a built-in `gateway` server
 * that no upstream can be (server ids come from the id helper, `srv_…`). So a DLP or rate-limit
 * policy that names no server or tool (the organization's, a team's, an agent's, a
 * person's) covers the meta-tools too, and one scoped to upstream servers or tools does not
 * (the inner calls of `execute` and `call_tool` pass those as direct calls do). Scopes name
 * tools as `<server>__<tool>` of a known server, so no stored scope names a meta-tool alone. `call_tool` is not here: its request *is*
 * the inner call.
 */
const GATEWAY_SERVER: SnapshotServer = {
  id: "gateway",
  orgId: "",
  name: "gateway",
  transport: "streamable-http",
  url: null,
  command: null,
  args: [],
  env: null,
  network: false,
  allowElicitation: false,
  allowSampling: false,
  secrets: null,
  timeoutMs: 1,
  status: "active",
};

function metaTool(name: string): SnapshotTool {
  return {
    id: `gateway:${name}`,
    serverId: GATEWAY_SERVER.id,
    upstreamName: name,
    exposedName: name,
    title: null,
    description: null,
    inputSchema: { type: "object" },
    outputSchema: null,
    annotations: null,
    // Neither changes anything itself; each inner call counts under its own tool's class.
    riskClass: "read",
    status: "active",
    definitionHash: name,
  };
}

const GOVERNED = {
  [SEARCH_TOOLS]: metaTool(SEARCH_TOOLS),
  [EXECUTE]: metaTool(EXECUTE),
} as const;

export type GovernedMetaTool = keyof typeof GOVERNED;

/**
 * The governance a meta-tool call passes before it runs, in the order of a direct call:
 * rate limits (RATE_LIMITED naming the policy and when to retry), argument validation, then
 * DLP on its input (the query, the code). Block refuses the call (FORBIDDEN naming policy,
 * detector and path); redact returns the input with the match replaced, and that is what
 * runs (as an upstream gets a direct call's redacted arguments). Whatever happens, the
 * audit event keeps only a masked copy of the input.
 */
export async function governMetaCall<T extends Record<string, unknown>>(
  stages: CallToolStages,
  call: CallContext,
  name: GovernedMetaTool,
  rawArgs: unknown,
  parse: (args: unknown) => T,
): Promise<T> {
  const stage: StageInput = { ctx: call, server: GATEWAY_SERVER, tool: GOVERNED[name] };
  call.audit.toolName = name;
  call.audit.arguments = rawArgs ?? null;
  try {
    await stages.rateLimit.enforce(stage);
    return stages.dlp.scanArguments(stage, parse(rawArgs)) as T;
  } catch (err) {
    call.audit.arguments =
      rawArgs && typeof rawArgs === "object" && !Array.isArray(rawArgs)
        ? stages.dlp.maskForAudit(stage, rawArgs as Record<string, unknown>)
        : null;
    throw err;
  }
}
