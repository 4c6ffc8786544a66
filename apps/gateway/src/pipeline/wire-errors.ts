import { ProtocolError, ResourceNotFoundError } from "@modelcontextprotocol/server";
import { AppError, isAppError } from "@portcullis/contracts/errors";
import { UpstreamRpcError } from "@portcullis/upstream/errors";
import { ScreenedUpstreamError } from "./dlp-stage";
import type { RequestContext } from "./request-context";

/**
 * resources/read of a URI that no server the caller may read serves, or that its one
 * server says it does not have. On the wire it is the SDK's resource-not-found error for
 * every revision: code -32602 with `data` exactly `{ uri }`, the requested URI (SEP-2164,
 * required by 2026-07-28; SDK clients of both eras recognise only that shape, and the SDK
 * encodes the older -32002 as -32602 for 2025 clients too). The request id travels in the
 * `x-request-id` header instead. `upstream` is the upstream's own not-found answer, if any.
 */
export class UnknownResourceError extends AppError {
  constructor(
    readonly uri: string,
    message: string,
    readonly upstream: UpstreamRpcError | null = null,
  ) {
    super("NOT_FOUND", message, { details: { uri } });
  }
}

/**
 * Whether an upstream's answer to resources/read means "no such resource": -32002 (what
 * revisions before 2026-07-28 named), or -32602, which SEP-2164 standardises and SDK
 * servers of every generation send (the v1 SDK without `data`): resources/read takes only
 * the URI, so invalid params there can only be about it.
 */
export function isUpstreamResourceNotFound(err: unknown): err is UpstreamRpcError {
  return err instanceof UpstreamRpcError && (err.code === -32002 || err.code === -32602);
}

/**
 * Turns any failure inside an MCP handler into the JSON-RPC error the agent sees, and
 * records the decision for the audit event. Internal errors keep their cause in the
 * logs only: the agent gets a stable code, a readable message and the request id.
 */
export function toWireError(err: unknown, ctx: RequestContext): ProtocolError {
  if (err instanceof UnknownResourceError) {
    if (err.upstream) auditUpstreamError(err.upstream, ctx);
    else auditAppError(err, ctx);
    return new ResourceNotFoundError(err.uri, err.message);
  }
  if (err instanceof UpstreamRpcError) {
    auditUpstreamError(err, ctx);
    return new ProtocolError(err.code, `upstream '${err.serverName}' returned an error: ${err.message}`, {
      requestId: ctx.requestId,
      upstream: err.serverName,
    });
  }
  const appError = isAppError(err) ? err : new AppError("INTERNAL", "internal gateway error", { cause: err });
  auditAppError(appError, ctx);
  return new ProtocolError(appError.jsonRpcCode, appError.message, {
    code: appError.code,
    requestId: ctx.requestId,
    ...appError.details,
  });
}

/** An error the upstream answered: the call was allowed and reached it. */
function auditUpstreamError(err: UpstreamRpcError, ctx: RequestContext): void {
  const audit = ctx.audit;
  audit.decision = "allowed";
  audit.isError = true;
  audit.upstreamStatus = `rpc_error:${err.code}`;
  audit.errorCode = err.code;
  // A message a DLP detector matched is kept masked in the audit log (dlp-stage.ts).
  audit.reason = err instanceof ScreenedUpstreamError ? err.auditMessage : err.message;
}

/** A failure the gateway decided: the decision follows from its code. */
function auditAppError(appError: AppError, ctx: RequestContext): void {
  const audit = ctx.audit;
  audit.errorCode = appError.jsonRpcCode;
  audit.reason = appError.message;
  audit.isError = true;
  switch (appError.code) {
    case "FORBIDDEN":
    case "APPROVAL_REQUIRED":
    case "RATE_LIMITED":
      audit.decision = "denied";
      break;
    case "NOT_FOUND":
    case "INVALID_INPUT":
      audit.decision = "invalid";
      break;
    case "UNAUTHENTICATED":
    case "CREDENTIAL_INVALID":
      audit.decision = "unauthenticated";
      break;
    default:
      audit.decision = "error";
      if (appError.code === "UPSTREAM_TIMEOUT") audit.upstreamStatus = "timeout";
      if (appError.code === "UPSTREAM_UNAVAILABLE") audit.upstreamStatus = "unavailable";
  }
}
