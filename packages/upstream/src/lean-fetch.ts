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
  const dispatch = leanDispatcher(dispatcher, checkUrl, onRedirect, fallback);
  return async (input, init) => {
    const answer = await dispatch(input, init);
    if (answer instanceof Response) return answer;
    return new Response(answer.bytes, {
      status: answer.status,
      statusText: answer.statusText,
      headers: headersOf(answer.headers),
    });
  };
}

/**
 * What `createLeanRequest` answers: the part of a Response the lean tools/call reads. A
 * finite answer (JSON, an error page) comes as read bytes behind this shape, without a
 * Response, a Headers or a web stream; a stream or a bodiless answer is a real Response.
 */
export interface LeanResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The same request as `createLeanFetch`'s (same checks, errors and signal scoping), answered as a LeanResponse. */
export function createLeanRequest(
  dispatcher: Dispatcher,
  checkUrl: (url: URL) => void,
  onRedirect: (status: number) => Error,
  fallback: FetchLike,
): (input: string | URL, init?: RequestInit) => Promise<LeanResponse> {
  const dispatch = leanDispatcher(dispatcher, checkUrl, onRedirect, fallback);
  return async (input, init) => {
    const answer = await dispatch(input, init);
    return answer instanceof Response ? answer : new ReadAnswer(answer);
  };
}

/** A finite answer, read: status, undici's header record and the body's bytes. */
interface ReadBytes {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: ArrayBuffer;
}

const utf8 = new TextDecoder();

/** A read answer as a LeanResponse: text and json decode the bytes as Response's do (UTF-8, BOM dropped). */
class ReadAnswer implements LeanResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly body = null;
  readonly headers: { get(name: string): string | null };
  private readonly bytes: ArrayBuffer;

  constructor(answer: ReadBytes) {
    this.status = answer.status;
    this.ok = answer.status >= 200 && answer.status <= 299;
    this.statusText = answer.statusText;
    this.bytes = answer.bytes;
    const raw = answer.headers;
    this.headers = {
      // As Headers.get: names are case-insensitive, repeated values joined, whitespace trimmed.
      get(name) {
        const value = raw[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.map(trimHttp).join(", ") : trimHttp(value);
      },
    };
  }

  async text(): Promise<string> {
    return utf8.decode(this.bytes);
  }

  async json(): Promise<unknown> {
    return JSON.parse(utf8.decode(this.bytes));
  }
}

function trimHttp(value: string): string {
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

function headersOf(raw: ReadBytes["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Origins already passed by checkUrl (it depends on scheme and host only): not parsed again per request. */
const CHECKED_ORIGINS_MAX = 1_000;

/**
 * One request on undici's `request`: a stream or bodiless answer as a Response, a finite
 * one read into bytes (the caller decides what to wrap them in).
 */
function leanDispatcher(
  dispatcher: Dispatcher,
  checkUrl: (url: URL) => void,
  onRedirect: (status: number) => Error,
  fallback: FetchLike,
): (input: string | URL, init?: RequestInit) => Promise<Response | ReadBytes> {
  const checked = new Set<string>();
  return async (input, init) => {
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array))
      return fallback(input, init);
    const url = input instanceof URL ? input : new URL(String(input));
    const origin = url.origin;
    if (!checked.has(origin)) {
      checkUrl(url);
      if (checked.size >= CHECKED_ORIGINS_MAX) checked.clear();
      checked.add(origin);
    }
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const scoped = signal ? scope(signal) : undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin,
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
    const statusText = STATUS_CODES[status] ?? "";
    if (status === 204 || status === 205 || status === 304 || init?.method === "HEAD") {
      scoped?.release();
      res.body.dump().catch(() => undefined);
      return new Response(null, { status, statusText, headers: headersOf(res.headers) });
    }
    const rawType = res.headers["content-type"];
    const type = rawType === undefined ? null : Array.isArray(rawType) ? rawType.join(", ") : rawType;
    if (type === null || !/^[\t\n\r ]*text\/event-stream/i.test(type)) {
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
      return { status, statusText, headers: res.headers, bytes };
    }
    // A stream (progress, server requests) is handed on as it comes, linked until it closes.
    if (scoped) res.body.once("close", scoped.release);
    return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, {
      status,
      statusText,
      headers: headersOf(res.headers),
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
