import {
  type CallToolResult,
  type JSONRPCMessage,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  specTypeSchemas,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import type { LeanResponse } from "./lean-fetch";

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Where a lean call goes: the connection's endpoint, fetch and negotiated session. */
export interface LeanTarget {
  url: URL;
  /** The guard's lean fetch (pooled undici request, SSRF checks, redirects refused). */
  fetch: FetchLike;
  /** The same request answered without a Response for a JSON answer (lean-fetch.ts); preferred when given. */
  request?: (url: URL, init: RequestInit) => Promise<LeanResponse>;
  /** The spec's own headers (credentials), as the SDK transport sends them. */
  headers: Record<string, string>;
  protocolVersion: string;
  /** The upstream's Mcp-Session-Id, when it gave one at initialize. */
  sessionId: string | undefined;
}

export interface LeanCallHooks {
  /** A message on the call's stream other than its answer (logs, server requests, notifications). */
  onOtherMessage(message: JSONRPCMessage): void;
  /** Sends a notification upstream as the SDK would (the cancellation of a call given up on). */
  notify(message: JSONRPCMessage): Promise<void>;
}

let nextId = 0;

/** Lean calls sent by this process (the differential test checks the lean call ran). */
export const leanCallStats = { sent: 0 };

/**
 * One 2025-era `tools/call` as a single pooled HTTP request whose answer — JSON, or an SSE
 * stream — is read here, instead of through the SDK client's request machinery. It mirrors
 * the SDK path's outcomes: the result decoded by the SDK's own CallToolResult schema (same
 * defaults, same refusals), a JSON-RPC error as the SDK's ProtocolError, HTTP failures as the
 * SDK transport's errors, a timeout as its RequestTimeout after sending
 * `notifications/cancelled`, an abort as the signal's reason. Anything else arriving on the
 * call's stream goes to `onOtherMessage` (the connection routes it as the SDK path would).
 */
export async function leanCallTool(
  target: LeanTarget,
  name: string,
  args: Record<string, unknown>,
  options: { timeout: number; signal?: AbortSignal },
  hooks: LeanCallHooks,
): Promise<CallToolResult> {
  const id = `portcullis-${++nextId}`;
  leanCallStats.sent++;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(
      new SdkError(SdkErrorCode.RequestTimeout, "Request timed out", { timeout: options.timeout }),
    );
  }, options.timeout);
  const outer = options.signal;
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const headers: Record<string, string> = {
    ...target.headers,
    "mcp-protocol-version": target.protocolVersion,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (target.sessionId) headers["mcp-session-id"] = target.sessionId;
  try {
    const send = target.request ?? target.fetch;
    const response = await send(target.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
      signal: controller.signal,
    });
    const answer = await readAnswer(response, id, hooks);
    return decode(answer);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    // As the SDK does when it gives up on a request: tell the server, then report why.
    const reason = controller.signal.reason;
    void hooks
      .notify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason: String(reason) },
      } as JSONRPCMessage)
      .catch(() => {});
    throw timedOut ? reason : (outer?.reason ?? reason);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

export type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/** The answer to request `id` in a response (JSON or SSE), other messages to the hooks (lean-call-2026.ts too). */
export async function readAnswer(
  response: LeanResponse,
  id: string,
  hooks: Pick<LeanCallHooks, "onOtherMessage">,
): Promise<Answer> {
  if (!response.ok) {
    const text = await response.text().catch(() => null);
    if (response.status === 401) throw new UnauthorizedError();
    throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
      status: response.status,
      statusText: response.statusText,
      text,
    });
  }
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    const data = (await response.json()) as unknown;
    for (const message of Array.isArray(data) ? data : [data]) {
      const answer = answerOf(message, id);
      if (answer) return answer;
      hooks.onOtherMessage(message as JSONRPCMessage);
    }
    throw new SdkError(SdkErrorCode.ConnectionClosed, "the response carried no answer to the request");
  }
  if (type === "text/event-stream" && response.body) {
    for await (const message of sseMessages(response.body)) {
      const answer = answerOf(message, id);
      if (answer) {
        void response.body.cancel().catch(() => {});
        return answer;
      }
      hooks.onOtherMessage(message as JSONRPCMessage);
    }
    throw new SdkError(SdkErrorCode.ConnectionClosed, "the response stream ended without an answer");
  }
  await response.text().catch(() => {});
  const contentType = response.headers.get("content-type");
  throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${contentType}`, {
    contentType,
  });
}

function answerOf(message: unknown, id: string): Answer | null {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return null;
  const m = message as Record<string, unknown>;
  if (m.id !== id || "method" in m) return null;
  if ("error" in m) return { error: m.error as { code: number; message: string; data?: unknown } };
  return "result" in m ? { result: m.result } : null;
}

const resultSchema = specTypeSchemas.CallToolResult["~standard"];

async function decode(answer: Answer): Promise<CallToolResult> {
  if ("error" in answer) {
    const { code, message, data } = answer.error;
    throw new ProtocolError(code, message, data);
  }
  const parsed = await resultSchema.validate(answer.result);
  if (parsed.issues)
    throw new SdkError(
      SdkErrorCode.InvalidResult,
      `Invalid result for tools/call: ${JSON.stringify(parsed.issues, null, 2)}`,
    );
  return parsed.value as CallToolResult;
}

/** The JSON messages of an SSE body, event by event as they arrive (server requests need answers mid-call). */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = event.split("\n");
      // As the SDK reads a stream: only `message` events carry JSON-RPC messages.
      const type = lines
        .find((line) => line.startsWith("event:"))
        ?.slice(6)
        .trim();
      if (type !== undefined && type !== "message") continue;
      const data = lines
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
        .join("\n");
      if (data !== "") yield JSON.parse(data);
    }
  }
}
