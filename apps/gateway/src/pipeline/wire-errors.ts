import { ProtocolError } from "@modelcontextprotocol/server";
import { AppError, isAppError } from "@portcullis/contracts/errors";
import { UpstreamRpcError } from "@portcullis/upstream/errors";
import { ScreenedUpstreamError } from "./dlp-stage";
import type { RequestContext } from "./request-context";

/**
 * Turns any failure inside an MCP handler into the JSON-RPC error the agent sees, and
 * records the decision for the audit event. Internal errors keep their cause in the
 * logs only: the agent gets a stable code, a readable message and the request id.
 */
export function toWireError(err: unknown, ctx: RequestContext): ProtocolError {
  const audit = ctx.audit;
  if (err instanceof UpstreamRpcError) {
    audit.decision = "allowed";
    audit.isError = true;
    audit.upstreamStatus = `rpc_error:${err.code}`;
    audit.errorCode = err.code;
    // A message a DLP detector matched is kept masked in the audit log (dlp-stage.ts).
    audit.reason = err instanceof ScreenedUpstreamError ? err.auditMessage : err.message;
    return new ProtocolError(err.code, `upstream '${err.serverName}' returned an error: ${err.message}`, {
      requestId: ctx.requestId,
      upstream: err.serverName,
    });
  }
  const appError = isAppError(err) ? err : new AppError("INTERNAL", "internal gateway error", { cause: err });
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
  return new ProtocolError(appError.jsonRpcCode, appError.message, {
    code: appError.code,
    requestId: ctx.requestId,
    ...appError.details,
  });
}
