import {
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SseError,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { AppError } from "@portcullis/contracts/errors";
import { describeInvalidResult } from "./invalid-result";
import { OutboundRefusedError } from "./outbound-guard";
import { ProcessExitedError, ProcessStartError } from "./stdio-transport";

/**
 * A JSON-RPC error answered by the upstream itself (unknown tool, invalid params…).
 * The gateway passes code, message and data on to its caller unchanged.
 */
export class UpstreamRpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly serverName: string;

  constructor(serverName: string, code: number, message: string, data?: unknown) {
    super(message);
    this.name = "UpstreamRpcError";
    this.code = code;
    this.data = data;
    this.serverName = serverName;
  }
}

export function isUpstreamRpcError(e: unknown): e is UpstreamRpcError {
  return e instanceof UpstreamRpcError;
}

/** `upstream 'NAME' is unreachable: <reason>` (UPSTREAM_UNAVAILABLE). */
export function unavailable(serverName: string, reason: string, cause?: unknown): AppError {
  return new AppError("UPSTREAM_UNAVAILABLE", `upstream '${serverName}' is unreachable: ${reason}`, {
    details: { server: serverName },
    cause,
  });
}

/** `upstream 'NAME' did not answer within N ms` (UPSTREAM_TIMEOUT). */
export function timedOut(serverName: string, timeoutMs: number, cause?: unknown): AppError {
  return new AppError("UPSTREAM_TIMEOUT", `upstream '${serverName}' did not answer within ${timeoutMs} ms`, {
    details: { server: serverName, timeoutMs },
    cause,
  });
}

/**
 * Whether an error means the connection is unusable (closed, network failure, session
 * gone) and must be replaced, as opposed to one failed request on a healthy connection.
 */
export function breaksConnection(error: unknown): boolean {
  if (error instanceof ProtocolError) return false;
  if (error instanceof SdkError) {
    return (
      error.code !== SdkErrorCode.RequestTimeout &&
      error.code !== SdkErrorCode.InvalidResult &&
      error.code !== SdkErrorCode.UnsupportedResultType &&
      error.code !== SdkErrorCode.CapabilityNotSupported &&
      error.code !== SdkErrorCode.MethodNotSupportedByProtocolVersion
    );
  }
  return true;
}

/**
 * Whether a failed request certainly never reached the server, so re-sending it (even a
 * tools/call) cannot run anything twice: the connection was already closed, the server
 * refused the TCP connection, or a stateful server no longer knows our session (404).
 */
export function neverDelivered(error: unknown): boolean {
  if (error instanceof SdkHttpError) return error.data?.status === 404;
  if (error instanceof SdkError) return error.code === SdkErrorCode.NotConnected;
  return networkCode(error) === "ECONNREFUSED";
}

/**
 * Maps an error from connecting or from a request to what the gateway reports:
 * UpstreamRpcError for a JSON-RPC error answered by the server, UPSTREAM_TIMEOUT for a
 * timeout, UPSTREAM_UNAVAILABLE for everything else. Messages name the server and the
 * failure but never the URL, headers, args or env, which may carry credentials.
 */
export function toUpstreamError(serverName: string, error: unknown, timeoutMs: number): Error {
  if (error instanceof AppError || error instanceof UpstreamRpcError) return error;
  if (error instanceof ProtocolError)
    return new UpstreamRpcError(serverName, error.code, error.message, error.data);
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    return timedOut(serverName, timeoutMs, error);
  }
  return unavailable(serverName, describe(error), error);
}

function describe(error: unknown): string {
  if (error instanceof ProcessStartError || error instanceof ProcessExitedError) return error.message;
  const refused = findRefusal(error);
  if (refused) return refused.message;
  if (error instanceof UnauthorizedError) return "the server requires authorization (HTTP 401)";
  if (error instanceof SdkHttpError) return describeStatus(error.data?.status);
  if (error instanceof SseError) {
    // The SSE transport reports only text: a status code, or the fetch failure's message.
    if (error.code) return describeStatus(error.code);
    const errno = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(error.message)?.[1];
    return errno
      ? (NETWORK_REASONS[errno] ?? `network error (${errno})`)
      : "the SSE stream could not be opened";
  }
  const code = networkCode(error);
  if (code) return NETWORK_REASONS[code] ?? `network error (${code})`;
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.ConnectionClosed:
        return "the connection closed";
      case SdkErrorCode.NotConnected:
        return "not connected";
      case SdkErrorCode.InvalidResult:
      case SdkErrorCode.UnsupportedResultType:
        // The SDK's message names the method and what was wrong (a path and an expectation,
        // not the values), which is what the operator needs to tell the server's authors.
        return `the server sent an invalid result (${clip(describeInvalidResult(error.message), 400)})`;
      case SdkErrorCode.EraNegotiationFailed:
        return "MCP protocol version negotiation failed";
      default:
        return `MCP client error (${error.code})`;
    }
  }
  if (error instanceof Error && error.name === "SyntaxError") return "the server sent a malformed response";
  return "unexpected error";
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describeStatus(status: number | undefined): string {
  if (status === 401) return "the server rejected our credentials (HTTP 401)";
  if (status === 403) return "the server denied access (HTTP 403)";
  if (status === 404) return "the endpoint or session was not found (HTTP 404)";
  return status ? `the server answered HTTP ${status}` : "the HTTP exchange failed";
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (ECONNREFUSED)",
  ECONNRESET: "connection reset (ECONNRESET)",
  ENOTFOUND: "host not found (ENOTFOUND)",
  EAI_AGAIN: "DNS lookup failed (EAI_AGAIN)",
  EHOSTUNREACH: "host unreachable (EHOSTUNREACH)",
  ENETUNREACH: "network unreachable (ENETUNREACH)",
  ETIMEDOUT: "connection timed out (ETIMEDOUT)",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "the connection dropped",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host",
};

/** The SSRF guard's refusal, wherever fetch or the SDK wrapped it. */
function findRefusal(error: unknown): OutboundRefusedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    if (current instanceof OutboundRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The errno-style code of a network failure, looking through `cause` chains (fetch wraps them). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (code.startsWith("E") || code.startsWith("UND_ERR") || code.includes("CERT"))
    ) {
      if (!(current instanceof SdkError)) return code;
    }
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
