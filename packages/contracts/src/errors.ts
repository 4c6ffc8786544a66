/**
 * One error type with a closed set of codes. Each code documents when it is thrown and
 * maps to an HTTP status, a tRPC code and a JSON-RPC error code, so every surface
 * (gateway, console, CLI) reports the same failure the same way.
 *
 * JSON-RPC codes: the standard ones (-32600…-32700) where they fit; Portcullis codes
 * live in the implementation-defined server range -32000…-32099 and are stable.
 */
export const ERROR_CODES = {
  /** No credentials, or credentials that are not recognised. */
  UNAUTHENTICATED: { http: 401, trpc: "UNAUTHORIZED", jsonrpc: -32001 },
  /** Key revoked or expired, or the agent is disabled. */
  CREDENTIAL_INVALID: { http: 401, trpc: "UNAUTHORIZED", jsonrpc: -32001 },
  /** The caller is known but policy refuses the action (no grant: default deny; deny grant). */
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN", jsonrpc: -32003 },
  /** The named tool, prompt, resource or entity does not exist (or is not visible to the caller). */
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND", jsonrpc: -32602 },
  /** Input failed validation (tool arguments against the input schema, config files, forms). */
  INVALID_INPUT: { http: 400, trpc: "BAD_REQUEST", jsonrpc: -32602 },
  /** A unique name or a concurrent change collided. */
  CONFLICT: { http: 409, trpc: "CONFLICT", jsonrpc: -32009 },
  /** A rate limit or quota is exhausted. */
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS", jsonrpc: -32029 },
  /** The call needs a human decision that has not (yet) been given. */
  APPROVAL_REQUIRED: { http: 403, trpc: "FORBIDDEN", jsonrpc: -32010 },
  /** The upstream MCP server could not be reached or failed at the protocol level. */
  UPSTREAM_UNAVAILABLE: { http: 502, trpc: "BAD_GATEWAY", jsonrpc: -32002 },
  /** The upstream did not answer within the server's timeout. */
  UPSTREAM_TIMEOUT: { http: 504, trpc: "TIMEOUT", jsonrpc: -32004 },
  /** The request body exceeds the configured limit. */
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE", jsonrpc: -32600 },
  /** The gateway has no usable configuration yet, or is shutting down. */
  UNAVAILABLE: { http: 503, trpc: "INTERNAL_SERVER_ERROR", jsonrpc: -32000 },
  /** A bug: anything not covered above. The message shown to callers is generic. */
  INTERNAL: { http: 500, trpc: "INTERNAL_SERVER_ERROR", jsonrpc: -32603 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra, safe-to-show facts (which field, which limit, retry after…). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get jsonRpcCode(): number {
    return ERROR_CODES[this.code].jsonrpc;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
