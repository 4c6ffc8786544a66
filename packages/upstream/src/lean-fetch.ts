import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import type { FetchLike } from "@modelcontextprotocol/client";
import type { Dispatcher } from "undici";

/**
 * fetch for the Streamable HTTP transport's requests, built on undici's `request` instead of
 * its WHATWG fetch: the same connection pool (the guard's agent, whose DNS lookup checks every
 * address a socket connects to), a fraction of the work per request (no fetch algorithm, no
 * Request object, no web stream for a JSON answer). What the SDK sees is a standard Response.
 *
 * Anything it does not handle like fetch (a body that is not a string or bytes) goes to
 * `fallback`, the guard's ordinary fetch. Failures look like fetch's: a TypeError "fetch
 * failed" whose cause is the network error, or the signal's reason once aborted.
 *
 * The caller's signal is scoped to the request, as scoped-abort-fetch.ts does for fetch:
 * the SDK passes one long-lived signal per transport, so one listener is added per request
 * and removed once its answer is read (or its stream ends), never left behind.
 */
export function createLeanFetch(
  dispatcher: Dispatcher,
  checkUrl: (url: URL) => void,
  onRedirect: (status: number) => Error,
  fallback: FetchLike,
): FetchLike {
  return async (input, init) => {
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array))
      return fallback(input, init);
    const url = input instanceof URL ? input : new URL(String(input));
    checkUrl(url);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const scoped = signal ? scope(signal) : undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init?.method ?? "GET") as Dispatcher.HttpMethod,
        headers: headerRecord(init?.headers),
        body: body ?? null,
        ...(scoped && { signal: scoped.signal }),
      });
    } catch (error) {
      scoped?.release();
      if (signal?.aborted) throw signal.reason;
      throw new TypeError("fetch failed", { cause: error });
    }
    const status = res.statusCode;
    if (status >= 300 && status < 400 && status !== 304) {
      scoped?.release();
      res.body.dump().catch(() => undefined);
      throw onRedirect(status);
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const statusText = STATUS_CODES[status] ?? "";
    if (status === 204 || status === 205 || status === 304 || init?.method === "HEAD") {
      scoped?.release();
      res.body.dump().catch(() => undefined);
      return new Response(null, { status, statusText, headers });
    }
    const type = headers.get("content-type");
    if (type === null || !/^text\/event-stream/i.test(type)) {
      // A JSON answer (or an error page) is small and finite: read it here, hand back bytes.
      let bytes: ArrayBuffer;
      try {
        bytes = await res.body.arrayBuffer();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new TypeError("fetch failed", { cause: error });
      } finally {
        scoped?.release();
      }
      return new Response(bytes, { status, statusText, headers });
    }
    // A stream (progress, server requests) is handed on as it comes, linked until it closes.
    if (scoped) res.body.once("close", scoped.release);
    return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, {
      status,
      statusText,
      headers,
    });
  };
}

/** An inner signal that follows `outer` until released (then `outer` keeps no listener of ours). */
function scope(outer: AbortSignal): { signal: AbortSignal; release(): void } {
  const inner = new AbortController();
  const forward = () => inner.abort(outer.reason);
  outer.addEventListener("abort", forward, { once: true });
  let released = false;
  return {
    signal: inner.signal,
    release() {
      if (released) return;
      released = true;
      outer.removeEventListener("abort", forward);
    },
  };
}

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [name, value] of headers)
      if (name !== undefined && value !== undefined) out[name.toLowerCase()] = value;
  } else {
    for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  }
  return out;
}
