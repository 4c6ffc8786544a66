import type { APIRequestContext } from "@playwright/test";

export interface TrpcReply {
  status: number;
  /** The error message, when the call failed. */
  message?: string;
  /** The tRPC error code ("FORBIDDEN", "UNAUTHORIZED"…), when the call failed. */
  code?: string;
  data?: unknown;
}

/**
 * Calls a console tRPC procedure over HTTP with the browser context's session cookie, the
 * way a hand-crafted request from a signed-in user would (the UI hiding a control is not
 * a security boundary; this proves the server refuses too).
 */
export async function callTrpc(
  request: APIRequestContext,
  path: string,
  input: unknown,
  kind: "query" | "mutation" = "mutation",
): Promise<TrpcReply> {
  const url = `/api/trpc/${path}`;
  const res =
    kind === "mutation"
      ? await request.post(url, { data: { json: input } })
      : await request.get(`${url}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = (await res.json()) as {
    result?: { data?: { json?: unknown } };
    error?: { json?: { message?: string; data?: { code?: string } } };
  };
  return {
    status: res.status(),
    message: body.error?.json?.message,
    code: body.error?.json?.data?.code,
    data: body.result?.data?.json,
  };
}
