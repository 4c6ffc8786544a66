import fc from "fast-check";

/**
 * Property-based fuzzing of a running gateway's MCP endpoint (#10 point 13): what a hostile
 * agent can send (malformed JSON-RPC, headers, protocol messages, argument shapes), and
 * what the gateway must answer. Shared by the CI test (apps/gateway/src/fuzz.test.ts) and
 * the long run (bench/fuzz.ts).
 */
export interface FuzzRequest {
  kind: "body" | "headers" | "message" | "arguments";
  headers: Record<string, string>;
  body: string;
}

/** Answers the gateway may give to hostile input. 5xx only as documented: 503 UNAVAILABLE. */
export const ALLOWED_STATUSES = new Set([200, 202, 400, 401, 403, 404, 405, 406, 408, 413, 415, 429, 503]);

const METHODS = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "resources/subscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "tasks/get",
  "server/discover",
  "__proto__",
  "constructor",
];

/** JSON values with the awkward corners: deep nesting, huge and odd numbers, long and odd strings. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -0,
      1e308,
      -1e308,
      2 ** 53 + 1,
      0.1,
      "",
      "__proto__",
      "constructor",
    ),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.constantFrom("\u0000", "\u202e", "\ud800", "😀".repeat(50), "a".repeat(5_000)),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 10 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(null, undefined, true, 1.5, {}, [], -1),
);

const baseHeaders = (key: string): Record<string, string> => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  authorization: `Bearer ${key}`,
});

/** Header values a client can actually send (visible ASCII and spaces). */
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

/** Bodies that are not JSON-RPC at all, or barely. */
export function malformedBodies(key: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      jsonish.map((v) => JSON.stringify(v) ?? "null"),
      fc
        .record(
          { jsonrpc: fc.oneof(fc.constant("2.0"), headerValue), id, method: jsonish, params: jsonish },
          { requiredKeys: [] },
        )
        .map((m) => JSON.stringify(m)),
      fc
        .array(fc.record({ jsonrpc: fc.constant("2.0"), id, method: fc.constantFrom(...METHODS) }), {
          maxLength: 4,
        })
        .map((b) => JSON.stringify(b)),
      fc.constantFrom(
        "{",
        "[",
        "{}",
        "[]",
        '{"jsonrpc":"2.0"}',
        '{"jsonrpc":"2.0","id":1,"method":"ping"',
        "\u0000",
      ),
    )
    .map((body) => ({ kind: "body" as const, headers: baseHeaders(key), body }));
}

/** A valid ping with hostile headers: content type, accept, protocol version, session, auth. */
export function hostileHeaders(key: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record(
      {
        "content-type": fc.oneof(
          headerValue,
          fc.constantFrom("application/json", "application/json; charset=utf-16", "text/plain"),
        ),
        accept: fc.oneof(headerValue, fc.constantFrom("application/json", "text/event-stream", "*/*")),
        authorization: fc.oneof(
          headerValue,
          fc.constant(`Bearer ${key}`),
          fc.constant(`bearer  ${key} `),
          headerValue.map((v) => `Bearer pcs_${v.replace(/\s/g, "")}`),
        ),
        "mcp-protocol-version": fc.oneof(
          headerValue,
          fc.constantFrom("2025-06-18", "2025-11-25", "2026-07-28", "1999-01-01"),
        ),
        "mcp-session-id": headerValue,
        "last-event-id": headerValue,
        "x-forwarded-for": headerValue,
      },
      { requiredKeys: [] },
    )
    .map((headers) => ({
      kind: "headers" as const,
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    }));
}

/** Well-formed JSON-RPC with any method the protocol has (and some it has not), any params. */
export function protocolMessages(key: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
      method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 30 })),
      params: fc.oneof(
        fc.constant(undefined),
        jsonish,
        fc.record(
          {
            name: fc.oneof(fc.string({ maxLength: 30 }), jsonish),
            uri: fc.oneof(
              fc.webUrl(),
              fc.string({ maxLength: 50 }),
              fc.constantFrom("file:///etc/passwd", "../../x"),
            ),
            arguments: jsonish,
            protocolVersion: fc.oneof(fc.string({ maxLength: 12 }), jsonish),
            capabilities: jsonish,
            clientInfo: jsonish,
            _meta: jsonish,
            cursor: jsonish,
            level: jsonish,
            ref: jsonish,
            argument: jsonish,
          },
          { requiredKeys: [] },
        ),
      ),
    })
    .map((m) => ({
      kind: "message" as const,
      headers: baseHeaders(key),
      body: JSON.stringify({ jsonrpc: "2.0", ...m }),
    }));
}

/** tools/call of `tools` with arguments of every shape (the schema decides what is valid). */
export function argumentShapes(key: string, tools: string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ name: fc.oneof(fc.constantFrom(...tools), fc.string({ maxLength: 20 })), arguments: jsonish })
    .map((params) => ({
      kind: "arguments" as const,
      headers: baseHeaders(key),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params }),
    }));
}

/** Every kind, for the long run. */
export function anyFuzzRequest(key: string, tools: string[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    malformedBodies(key),
    hostileHeaders(key),
    protocolMessages(key),
    argumentShapes(key, tools),
  );
}

/**
 * Sends one case and says what is wrong with the answer, or null: a status outside
 * ALLOWED_STATUSES, a 503 that is not the documented UNAVAILABLE, a JSON answer that is
 * not JSON-RPC, or a failed connection (the gateway crashed or reset it).
 */
export async function sendFuzzCase(url: string, request: FuzzRequest): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
  } catch (error) {
    return `request failed (${(error as Error).message}): ${describe(request)}`;
  }
  const text = await response.text();
  if (!ALLOWED_STATUSES.has(response.status))
    return `status ${response.status}: ${describe(request)} → ${text.slice(0, 200)}`;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("application/json") && text.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `unparseable JSON answer: ${describe(request)} → ${text.slice(0, 200)}`;
    }
    if (response.status === 503 && !text.includes("UNAVAILABLE"))
      return `undocumented 503: ${text.slice(0, 200)}`;
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    for (const m of messages) {
      if (typeof m !== "object" || m === null || (m as { jsonrpc?: unknown }).jsonrpc !== "2.0") {
        return `not a JSON-RPC answer: ${describe(request)} → ${text.slice(0, 200)}`;
      }
    }
  }
  return null;
}

function describe(request: FuzzRequest): string {
  return `${request.kind} ${JSON.stringify(request.headers).slice(0, 200)} ${request.body.slice(0, 300)}`;
}
