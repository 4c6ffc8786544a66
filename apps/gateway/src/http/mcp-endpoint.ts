import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { type McpHttpHandler, PROTOCOL_VERSION_META_KEY } from "@modelcontextprotocol/server";
import { AppError, isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { Logger } from "pino";
import { type AuditRecorderSink, recordAudit } from "../audit/audit-recorder";
import type { FastPath } from "../fast-path/fast-path";
import {
  admitListen,
  mayBeClientMessage,
  opensListen,
  type PassthroughState,
  takeClientMessage,
} from "../mcp/passthrough-state";
import { ScopedEventBus } from "../mcp/scoped-event-bus";
import { AuthRefusal, authenticateCaller, type GatewayOAuth } from "../oauth/authenticate-caller";
import { policySubject } from "../pipeline/policy-subject";
import {
  callContextOf,
  HANDLER_DONE,
  newAuditFields,
  type RequestContext,
} from "../pipeline/request-context";
import { MCP_PATH, portalNameOf } from "../portals/portal-route";
import { portalOf } from "../portals/portal-view";
import { SESSION_HEADER, type SessionHttp } from "../sessions/session-http";
import type { SessionRecord } from "../sessions/session-store";
import { catchUpSnapshot } from "../snapshot/catch-up";
import type { SnapshotStore } from "../snapshot/snapshot-store";
import type { UnauthenticatedGuard } from "./hardening";
import {
  checkEnvelope,
  JSON_RPC_INVALID_REQUEST,
  JSON_RPC_PARSE_ERROR,
  type JsonRpcMessage,
  jsonRpcError,
  sendJson,
} from "./json-rpc";
import { readBody } from "./read-body";
import { pathOf } from "./request-path";

export interface McpEndpointDeps {
  mcp: McpHttpHandler;
  store: SnapshotStore;
  audit: AuditRecorderSink;
  logger: Logger;
  maxBodyBytes: number;
  /** Responses and cancellations from clients go to the conversations waiting for them. */
  passthrough?: PassthroughState;
  /** The OAuth protected-resource side (null: agent keys only, as before OAuth). */
  oauth?: GatewayOAuth | null;
  /** Told each parsed message (tracing reads the client's trace context from `params._meta`). */
  onMessage?: (message: JsonRpcMessage) => void;
  /** `Mcp-Session-Id` sessions shared by the replicas (sessions/session-http.ts); absent: none issued. */
  sessions?: SessionHttp;
  /** The lean path for plain tools/call and tools/list (fast-path/); absent: the SDK serves all. */
  fastPath?: FastPath;
  /** Refuse requests while the snapshot is older than `maxAgeMs` (unless `failOpen`). */
  freshness?: { maxAgeMs: number; failOpen: boolean };
  /** Rate-limits and summarizes unauthenticated requests (no audit row each). */
  unauthenticated?: UnauthenticatedGuard;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === "authorization") continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

function protocolVersionOf(req: IncomingMessage, message: JsonRpcMessage | null): string | null {
  const params = message?.params;
  const meta = params?._meta as Record<string, unknown> | undefined;
  const fromMeta = meta?.[PROTOCOL_VERSION_META_KEY];
  if (typeof fromMeta === "string") return fromMeta;
  if (message?.method === "initialize" && typeof params?.protocolVersion === "string")
    return params.protocolVersion;
  const header = req.headers["mcp-protocol-version"];
  return typeof header === "string" ? header : null;
}

/**
 * Whether serving a request left it to be audited here: refused, or answered by the SDK
 * itself; or counted in the unauthenticated summary instead of an event of its own.
 */
type Served = "audit" | "not_a_request" | "summarized";

/**
 * POST/GET/DELETE /mcp: envelope checks, authentication and request context, then the
 * SDK's serving entry (which serves both the 2026-07-28 and the 2025-era revisions).
 * Anything refused before the SDK is answered here with a JSON-RPC error body.
 *
 * This is the one place a request's audit event is recorded, once the request is served
 * and its MCP handler, if one ran, is done: whatever path a request takes, one event.
 */
export async function handleMcpRequest(
  deps: McpEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = newId("request");
  res.setHeader("x-request-id", requestId);
  const rc: RequestContext = {
    requestId,
    occurredAt: new Date(),
    startedAt: performance.now(),
    method: req.method === "POST" ? "unknown" : `http/${req.method}`,
    protocolVersion: null,
    portal: portalNameOf(MCP_PATH, pathOf(req.url ?? "")),
    identity: null,
    snapshot: deps.store.current(),
    handlerDone: null,
    audit: newAuditFields(),
  };
  let served: Served = "not_a_request";
  try {
    served = await serveMcpRequest(deps, req, res, rc);
  } finally {
    if (rc.handlerDone && rc.handlerDone !== HANDLER_DONE) await rc.handlerDone;
    if (rc.handlerDone || served === "audit") recordAudit(deps.audit, rc);
  }
}

async function serveMcpRequest(
  deps: McpEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  rc: RequestContext,
): Promise<Served> {
  let message: JsonRpcMessage | null = null;
  let parsedBody: unknown;

  if (req.method === "POST") {
    const contentType = req.headers["content-type"] ?? "";
    if (!/^application\/json\b/i.test(contentType)) {
      return refuse(
        res,
        rc,
        message,
        415,
        new AppError("INVALID_INPUT", "Content-Type must be application/json"),
        {},
        JSON_RPC_INVALID_REQUEST,
      );
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes);
    } catch (err) {
      const appError = isAppError(err)
        ? err
        : new AppError("INVALID_INPUT", "request body could not be read");
      return refuse(res, rc, message, appError.httpStatus, appError, { connection: "close" });
    }
    try {
      parsedBody = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      return refuse(
        res,
        rc,
        message,
        400,
        new AppError("INVALID_INPUT", `Parse error: ${(err as Error).message}`),
        {},
        JSON_RPC_PARSE_ERROR,
      );
    }
    const envelope = checkEnvelope(parsedBody);
    if ("error" in envelope) {
      return refuse(
        res,
        rc,
        message,
        400,
        new AppError("INVALID_INPUT", `Invalid Request: ${envelope.error}`),
        {},
        JSON_RPC_INVALID_REQUEST,
      );
    }
    message = envelope.message;
    rc.method = message.method ?? "unknown";
    rc.protocolVersion = protocolVersionOf(req, message);
    deps.onMessage?.(message);
  }

  // A gateway that has not read its first configuration yet may be a moment behind the console.
  rc.snapshot ??= await catchUpSnapshot(deps.store, null);
  let snapshot = rc.snapshot;
  if (!snapshot) {
    return refuse(
      res,
      rc,
      message,
      503,
      new AppError("UNAVAILABLE", "gateway has no configuration yet; publish a snapshot (portcullis apply)"),
    );
  }
  const stale =
    deps.freshness && !deps.freshness.failOpen ? staleSnapshot(deps.store, deps.freshness.maxAgeMs) : null;
  if (stale) return refuse(res, rc, message, 503, stale);
  try {
    const endpointPath = pathOf(req.url ?? "/mcp");
    try {
      // An agent key is decided at once (no promise); an OAuth token is verified asynchronously.
      const identity = authenticateCaller(req, snapshot, deps.oauth ?? null, endpointPath);
      rc.identity = identity instanceof Promise ? await identity : identity;
    } catch (err) {
      // A key or a person refused by this snapshot may be one the console has just added.
      if (!isCredentialRefusal(err)) throw err;
      const newer = await catchUpSnapshot(deps.store, snapshot);
      if (newer === null) throw err;
      rc.snapshot = snapshot = newer;
      rc.identity = await authenticateCaller(req, snapshot, deps.oauth ?? null, endpointPath);
    }
  } catch (err) {
    const guard = deps.unauthenticated;
    if (guard?.refuse(req.socket.remoteAddress ?? "unknown")) {
      refuse(
        res,
        rc,
        message,
        429,
        new AppError("RATE_LIMITED", "too many unauthenticated requests from this address; retry later"),
        { "retry-after": String(guard.retryAfterSec()) },
      );
      return "summarized";
    }
    if (err instanceof AuthRefusal) {
      // OAuth's challenge (RFC 6750/9728): the client learns where to get a token.
      refuse(res, rc, message, err.status, err.appError, { "www-authenticate": err.challenge });
      return guard ? "summarized" : "audit";
    }
    const appError = isAppError(err) ? err : new AppError("UNAUTHENTICATED", "authentication failed");
    refuse(res, rc, message, 401, appError, {
      "www-authenticate": `Bearer realm="portcullis", error="invalid_token", error_description="${appError.message.replaceAll('"', "'")}"`,
    });
    return guard ? "summarized" : "audit";
  }

  // A portal of another organization is indistinguishable from a missing one.
  if (rc.portal !== null && !portalOf(snapshot, policySubject(rc.identity).orgId, rc.portal)) {
    return refuse(res, rc, message, 404, new AppError("NOT_FOUND", `unknown portal '${rc.portal}'`));
  }

  const call = callContextOf(rc)!;
  let session: SessionRecord | null = null;
  // A request naming no session gets none: `before` would answer null, a promise later.
  if (deps.sessions && typeof req.headers[SESSION_HEADER] !== "string") rc.sessionId = null;
  else if (deps.sessions) {
    try {
      // A session's GET stream and its DELETE: one audit event each, when the stream opens
      // or the session ends (the notifications a stream carries are not audited again).
      const before = await deps.sessions.before(req, res, call, () => recordAudit(deps.audit, rc));
      if (before === "served") return "not_a_request";
      session = before;
      rc.sessionId = session?.id ?? null;
    } catch (err) {
      if (!isAppError(err)) throw err;
      return refuse(res, rc, message, err.httpStatus, err);
    }
  }

  // A client's answer to our request, or its cancellation of a call: nothing for the SDK.
  if (message && deps.passthrough && mayBeClientMessage(message)) {
    try {
      if (await takeClientMessage(deps.passthrough, policySubject(rc.identity).id, message)) {
        res.writeHead(202).end();
        return "not_a_request";
      }
    } catch (err) {
      if (!isAppError(err)) throw err;
      return refuse(res, rc, message, err.httpStatus, err);
    }
  }
  if (message && deps.passthrough && opensListen(message)) {
    // A listen stream stops counting as a subscriber when it closes, not at the next swap.
    const closed = await admitListen(deps.passthrough, call, message);
    if (closed) res.once("close", closed);
  }

  // Plain tools/call and tools/list outside a session: the lean path, which audits as a handler run does.
  if (message && session === null && deps.fastPath && (await deps.fastPath.serve(req, res, message, rc)))
    return "not_a_request";

  const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/mcp"}`;
  const controller = new AbortController();
  // Cancels the handler (and its upstream call) when the client goes away before the answer.
  // After a completed answer there is nothing left to cancel, and an abort is not free (a
  // DOMException and an event through the SDK's and undici's linked signals, per request).
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const identity = rc.identity;
  // A listen stream this request opens is this agent's (mcp/scoped-event-bus.ts).
  const response = await ScopedEventBus.runAs(policySubject(identity).id, () =>
    deps.mcp.fetch(
      new Request(url, { method: req.method, headers: webHeaders(req), signal: controller.signal }),
      {
        parsedBody,
        authInfo: {
          token: "",
          clientId: identity.kind === "agent" ? identity.agent.id : identity.client.id,
          scopes: [],
          extra: { requestContext: rc },
        },
      },
    ),
  );
  await writeResponse(
    res,
    response,
    deps.sessions ? await deps.sessions.after(call, message, response, session) : {},
  );
  // A handler ran: it filled in the audit fields. Otherwise the SDK answered itself
  // (initialize, ping, discover…); notifications carry no id and are not requests.
  if (rc.handlerDone || !message || message.id === undefined || message.id === null) return "not_a_request";
  rc.audit.isError = response.status >= 400;
  if (rc.audit.isError) rc.audit.decision = "invalid";
  return "audit";
}

/** Answers a request refused before any handler ran, with its audit fields set: served here. */
function refuse(
  res: ServerResponse,
  rc: RequestContext,
  message: JsonRpcMessage | null,
  status: number,
  err: AppError,
  extraHeaders: Record<string, string> = {},
  code = err.jsonRpcCode,
): "audit" {
  rc.audit.decision =
    err.code === "UNAUTHENTICATED" || err.code === "CREDENTIAL_INVALID" ? "unauthenticated" : "invalid";
  if (err.code === "UNAVAILABLE") rc.audit.decision = "error";
  rc.audit.reason = err.message;
  rc.audit.errorCode = code;
  rc.audit.isError = true;
  sendJson(
    res,
    status,
    jsonRpcError(message?.id, code, err.message, { code: err.code, requestId: rc.requestId }),
    extraHeaders,
  );
  return "audit";
}

async function writeResponse(
  res: ServerResponse,
  response: Response,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (!contentType.includes("text/event-stream")) {
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  // Streams (progress notifications, subscriptions) are piped as they come.
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    const stream = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    stream.on("error", () => resolve());
    res.on("close", () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
    stream.on("end", () => resolve());
  });
}

/**
 * The refusal while the held snapshot is older than `maxAgeMs` (Redis has not confirmed it
 * since): keys revoked meanwhile would still work, so the gateway stops serving instead.
 */
/** Refused credentials (unknown, revoked, expired), not malformed requests or missing headers. */
function isCredentialRefusal(err: unknown): boolean {
  const appError = err instanceof AuthRefusal ? err.appError : err;
  return isAppError(appError) && appError.code === "CREDENTIAL_INVALID";
}

function staleSnapshot(store: SnapshotStore, maxAgeMs: number): AppError | null {
  const age = store.ageMs();
  if (age <= maxAgeMs) return null;
  const seconds = Number.isFinite(age) ? `${Math.round(age / 1000)} s ago` : "never";
  return new AppError(
    "UNAVAILABLE",
    `gateway configuration is stale: Redis last confirmed it ${seconds} (the maximum is ${Math.round(maxAgeMs / 1000)} s); revoked keys could still work, so calls are refused until Redis is reachable again`,
  );
}
