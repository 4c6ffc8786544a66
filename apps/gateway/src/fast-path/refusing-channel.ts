import type { CallChannel } from "@portcullis/upstream/call-channel";
import { callChannelFor, type PassthroughDeps } from "../mcp/passthrough-channel";
import type { InputConversation } from "../mcp/passthrough-input-rounds";
import type { CallContext } from "../pipeline/request-context";
import type { StageInput } from "../pipeline/stage-input";

/**
 * The lean path has no stream back to the client, so it never takes a call whose server may
 * ask the client something the client could answer (feature-opt-outs.ts). What remains is
 * the refusals: a server whose settings forbid the request, or a client that cannot answer
 * it. This channel gives those exactly as the SDK path does (same decision, message and
 * audit event, and the decline a 2026-07-28 upstream gets), by serving the call as for a
 * client that declared no capabilities. Log notifications (DLP-screened, as on the SDK path)
 * go to `notify`: the lean path sends them ahead of the answer, as the SDK's stream would.
 */
const NO_CONVERSATION = {
  ask: () => Promise.reject(new Error("the lean path cannot ask the client")),
} as unknown as InputConversation<unknown>;

export type Notify = (notification: { method: string; params: Record<string, unknown> }) => Promise<void>;

export function refusingChannelFor(
  deps: PassthroughDeps,
  call: CallContext,
  notify: Notify,
): (stage: StageInput) => CallChannel {
  return callChannelFor(deps, call, {
    era: "modern",
    conversation: NO_CONVERSATION,
    notify,
    logLevel: undefined,
    capabilities: {},
  });
}
