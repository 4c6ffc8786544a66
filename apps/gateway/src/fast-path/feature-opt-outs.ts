import { CLIENT_CAPABILITIES_META_KEY } from "@modelcontextprotocol/server";
import { exposureOf } from "../context/exposure-of";
import type { JsonRpcMessage } from "../http/json-rpc";
import type { PassthroughState } from "../mcp/passthrough-state";
import { declaresTasksIn } from "../mcp/tasks-extension";
import { policySubject } from "../pipeline/policy-subject";
import { callContextOf, type RequestContext } from "../pipeline/request-context";
import type { FastPathOptOut } from "./eligibility";

/**
 * The features the lean path does not serve, each sending its requests to the SDK path:
 * - portals (renamed tools, narrowed lists, fixed arguments),
 * - the search and code exposures (meta-tools in tools/list and tools/call),
 * - a tools/call whose server may ask the client something during the call (elicitation,
 *   sampling) when the client could answer, and calls of an agent that set a log level:
 *   only the SDK path relays server-to-client requests and log notifications,
 * - a 2026-07-28 tools/call that declares the tasks extension (the gateway may answer a task).
 */
export function featureOptOuts(passthrough: PassthroughState): FastPathOptOut[] {
  return [
    (rc) => rc.portal !== null,
    (rc) => {
      const call = callContextOf(rc);
      return call !== null && exposureOf(call) !== "full";
    },
    (rc, message) => message.method === "tools/call" && mayNeedTheClient(rc, message, passthrough),
    (_rc, message) => message.method === "tools/call" && declaresTasksIn(message.params),
  ];
}

function mayNeedTheClient(
  rc: RequestContext,
  message: JsonRpcMessage,
  passthrough: PassthroughState,
): boolean {
  if (rc.identity === null || rc.snapshot === null) return true;
  const subject = policySubject(rc.identity);
  if (passthrough.logLevels.has(subject.id)) return true;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const tool = rc.snapshot.toolsByOrgAndName.get(`${subject.orgId}/${String(params.name)}`);
  const server = tool ? rc.snapshot.serversById.get(tool.serverId) : undefined;
  if (!server) return false;
  if (!server.allowElicitation && !server.allowSampling) return false;
  // A 2026-07-28 client says per request what it can answer; a 2025 one may answer anything.
  const meta = params._meta as Record<string, unknown> | undefined;
  const capabilities = meta?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
  if (capabilities === undefined) return true;
  return (
    (server.allowElicitation && capabilities.elicitation !== undefined) ||
    (server.allowSampling && capabilities.sampling !== undefined)
  );
}
