import {
  type CallToolResult,
  isJSONRPCErrorResponse,
  type JSONRPCMessage,
  ProtocolError,
  parseJSONRPCMessage,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
} from "@modelcontextprotocol/client";
import { type Answer, type LeanTarget, readAnswer } from "./lean-call";
import type { LeanResponse } from "./lean-fetch";

/**
 * The SDK client's wire codec for the negotiated revision (what its request funnel decodes a
 * result with). The lean call decodes with the very same functions, so that what it returns,
 * or the error it throws, is the SDK path's to the byte.
 */
export interface ModernResultCodec {
  decodeResult(
    method: string,
    raw: unknown,
  ):
    | { kind: "complete"; result: unknown }
    | { kind: "invalid"; error: Error }
    | { kind: "input_required"; inputRequests: unknown; requestState?: string; _meta?: unknown };
  validateResult(
    method: string,
    value: unknown,
  ): { ok: true; value: unknown } | { ok: false; message?: string };
}

/** Where a 2026-07-28 lean call goes, and how its request is dressed and its answer decoded. */
export interface ModernLeanTarget extends Pick<LeanTarget, "url" | "fetch" | "request" | "headers"> {
  /** The request `_meta` envelope the revision requires (version, client info, capabilities, log level). */
  envelope: Record<string, unknown>;
  codec: ModernResultCodec;
  /** Lenient to upstreams: completes a result without `resultType` (revision-bridge.ts). */
  bridge(result: unknown): unknown;
}

/** A 2026-07-28 answer that asks the client first: the input requests, as the SDK's manual mode returns them. */
export interface InputRequiredAnswer {
  resultType: "input_required";
  inputRequests: unknown;
  requestState?: string;
  _meta?: unknown;
}

let nextId = 0;

/** Lean 2026 calls sent by this process (the differential test checks the lean call ran). */
export const leanCall2026Stats = { sent: 0 };

/**
 * One 2026-07-28 `tools/call` as a single pooled HTTP request, as the v2 SDK client would send
 * it on a negotiated modern connection: the `_meta` envelope, `MCP-Protocol-Version`,
 * `Mcp-Method` and `Mcp-Name` headers, no session. The answer (JSON, or an SSE stream whose
 * other messages go to `onOtherMessage`) is decoded by the SDK's own codec after the
 * revision bridge, so a result without `resultType` still works. A timeout or an abort ends
 * the request itself, as the SDK does on a per-request stream (2026-07-28 has no
 * `notifications/cancelled` for it). An `input_required` answer is returned for the caller
 * to fulfil (the SDK's manual mode).
 *
 * The caller only sends here a tool name that is a plain ASCII header value (plainHeaderValue):
 * anything else needs the SDK's encoding of `Mcp-Name`.
 */
export async function leanCallTool2026(
  target: ModernLeanTarget,
  name: string,
  args: Record<string, unknown>,
  options: { timeout: number; signal?: AbortSignal },
  hooks: { onOtherMessage(message: JSONRPCMessage): void },
): Promise<CallToolResult | InputRequiredAnswer> {
  const outer = options.signal;
  if (outer?.aborted) throw asSdkError(outer.reason);
  const id = `portcullis-${++nextId}`;
  leanCall2026Stats.sent++;
  const controller = new AbortController();
  let failure: unknown;
  const timer = setTimeout(() => {
    failure = new SdkError(SdkErrorCode.RequestTimeout, "Request timed out", { timeout: options.timeout });
    controller.abort(failure);
  }, options.timeout);
  const onAbort = () => {
    failure = asSdkError(outer?.reason);
    controller.abort(failure);
  };
  outer?.addEventListener("abort", onAbort, { once: true });
  try {
    const send = target.request ?? target.fetch;
    const response = await send(target.url, {
      method: "POST",
      headers: {
        ...target.headers,
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-method": "tools/call",
        "mcp-name": name,
        "mcp-protocol-version": "2026-07-28",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: args, _meta: target.envelope },
      }),
      signal: controller.signal,
    });
    const answer =
      response.status === 400 ? await badRequest(response, id) : await readAnswer(response, id, hooks);
    return decode(target, answer);
  } catch (error) {
    if (failure !== undefined) throw failure;
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

/** As the SDK's request funnel rejects a request given up on. */
function asSdkError(reason: unknown): SdkError {
  return reason instanceof SdkError ? reason : new SdkError(SdkErrorCode.RequestTimeout, String(reason));
}

/**
 * A 400 to a modern-enveloped request may carry the JSON-RPC error that says why (the SDK
 * transport delivers it as the request's error); any other 400 is an HTTP failure.
 */
async function badRequest(response: LeanResponse, id: string): Promise<Answer> {
  const text = await response.text().catch(() => null);
  if (typeof text === "string") {
    try {
      const parsed = parseJSONRPCMessage(JSON.parse(text));
      if (isJSONRPCErrorResponse(parsed) && parsed.id === id) return { error: parsed.error };
    } catch {}
  }
  throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
    status: response.status,
    statusText: response.statusText,
    text,
  });
}

function decode(target: ModernLeanTarget, answer: Answer): CallToolResult | InputRequiredAnswer {
  if ("error" in answer) {
    const { code, message, data } = answer.error;
    // fromError, as the SDK client does: some codes have their own error classes.
    throw ProtocolError.fromError(code, message, data);
  }
  const decoded = target.codec.decodeResult("tools/call", target.bridge(answer.result));
  if (decoded.kind === "invalid") throw decoded.error;
  if (decoded.kind === "input_required")
    return {
      resultType: "input_required",
      inputRequests: decoded.inputRequests,
      ...(decoded.requestState !== undefined && { requestState: decoded.requestState }),
      ...(decoded._meta !== undefined && { _meta: decoded._meta }),
    };
  const outcome = target.codec.validateResult("tools/call", decoded.result);
  if (!outcome.ok)
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: ${outcome.message}`);
  return outcome.value as CallToolResult;
}

/**
 * Whether a value goes into an HTTP header as it is (the SDK sends it unchanged): printable
 * ASCII, no edge whitespace, not the SDK's base64 sentinel form.
 */
export function plainHeaderValue(value: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/.test(value) && !/^=\?base64\?.*\?=$/.test(value);
}
