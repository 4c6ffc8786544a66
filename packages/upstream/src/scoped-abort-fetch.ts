import type { FetchLike } from "@modelcontextprotocol/client";

/**
 * Wraps fetch so that no request leaves a listener behind on a long-lived AbortSignal.
 *
 * Why: the SDK's HTTP transports pass their connection-wide AbortSignal to every fetch.
 * Node's fetch (undici) adds an abort listener to that signal per request and removes it
 * only when the Request object is garbage-collected (it even raises the signal's listener
 * limit to 1,500 to hide this). On a busy session the listeners pile up faster than GC
 * runs: MaxListenersExceededWarning after ~1,500 calls, and memory growth.
 *
 * Here each request gets its own AbortController, linked to the caller's signal only for
 * as long as the request (including its streamed body, e.g. an SSE response) is alive;
 * the link is removed deterministically when the body ends, fails or is cancelled.
 */
export function scopedAbortFetch(base: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const outer = init?.signal;
    if (!outer) return base(url, init);
    outer.throwIfAborted();

    const inner = new AbortController();
    const forward = () => inner.abort(outer.reason);
    outer.addEventListener("abort", forward, { once: true });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      outer.removeEventListener("abort", forward);
    };

    let response: Response;
    try {
      response = await base(url, { ...init, signal: inner.signal });
    } catch (error) {
      release();
      throw error;
    }
    if (!response.body) {
      release();
      return response;
    }
    // A plain JSON answer (every tools/call of a modern upstream) is small and finite: read it
    // while still linked, then hand back the bytes. Pumping it through a JS ReadableStream
    // instead costs a stream, a reader and a promise per chunk on the hot path.
    if (isJsonBody(response)) {
      try {
        const bytes = await response.arrayBuffer();
        return new Response(bytes, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      } finally {
        release();
      }
    }
    return new Response(releasingBody(response.body, release), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function isJsonBody(response: Response): boolean {
  const type = response.headers.get("content-type");
  return type !== null && /^application\/json\s*(;|$)/i.test(type);
}

/** Passes a body through, calling `release` once it ends, fails or is cancelled. */
function releasingBody(body: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
