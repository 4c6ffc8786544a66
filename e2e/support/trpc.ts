import { type APIRequestContext, expect } from "@playwright/test";

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

/** `callTrpc` for a step that must succeed: fails the test with the server's message otherwise. */
export async function trpc<T>(
  request: APIRequestContext,
  path: string,
  input: unknown,
  kind?: "query",
): Promise<T> {
  const reply = await callTrpc(request, path, input, kind);
  expect(reply.status, `${path}: ${reply.message ?? ""}`).toBe(200);
  return reply.data as T;
}

/** Runs a catalog sync the way the console does (a worker job) and waits for it to complete. */
export async function syncCatalog(request: APIRequestContext, serverId: string): Promise<void> {
  const { jobId } = await trpc<{ jobId: string }>(request, "servers.sync", { id: serverId });
  await expect
    .poll(
      async () => (await trpc<{ state: string }>(request, "servers.syncStatus", { jobId }, "query")).state,
      {
        timeout: 30_000,
      },
    )
    .toBe("completed");
}
