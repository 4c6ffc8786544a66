/**
 * Tags the messages a Streamable HTTP server sends on a request's own response stream with
 * that request's JSON-RPC id, so the pool knows which call a log message or an elicitation
 * request belongs to. The upstream connection is shared by every agent's calls: attributing
 * by stream (not by "whatever is running") keeps one agent's prompts away from another.
 *
 * The mark is a reserved `_meta` key that CallChannels removes before anything else sees it.
 */
export const RELATED_REQUEST_META_KEY = "io.portcullis/relatedRequestId";

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function markRelatedMessages(base: FetchLike): FetchLike {
  return async (url, init) => {
    const response = await base(url, init);
    const id = requestIdOf(init?.body);
    const type = response.headers.get("content-type") ?? "";
    if (id === undefined || !response.body || !type.includes("text/event-stream")) return response;
    const body = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(markEvents(id))
      .pipeThrough(new TextEncoderStream());
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function requestIdOf(body: RequestInit["body"] | undefined): string | number | undefined {
  if (typeof body !== "string") return undefined;
  try {
    const message = JSON.parse(body) as { id?: unknown; method?: unknown };
    const { id } = message;
    return typeof message.method === "string" && (typeof id === "string" || typeof id === "number")
      ? id
      : undefined;
  } catch {
    return undefined;
  }
}

/** Rewrites each complete `data:` line holding a request or notification; passes the rest on. */
function markEvents(id: string | number): TransformStream<string, string> {
  let pending = "";
  return new TransformStream({
    transform(chunk, controller) {
      pending += chunk;
      const end = pending.lastIndexOf("\n");
      if (end < 0) return;
      const complete = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      controller.enqueue(
        complete
          .split("\n")
          .map((line) => markLine(line, id))
          .join("\n"),
      );
    },
    flush(controller) {
      if (pending) controller.enqueue(markLine(pending, id));
    },
  });
}

function markLine(line: string, id: string | number): string {
  if (!line.startsWith("data:")) return line;
  const raw = line.slice(5).trimStart().replace(/\r$/, "");
  let message: { method?: unknown; params?: Record<string, unknown> };
  try {
    message = JSON.parse(raw);
  } catch {
    return line;
  }
  if (typeof message !== "object" || message === null || typeof message.method !== "string") return line;
  const params = message.params ?? {};
  const meta = (params._meta as Record<string, unknown> | undefined) ?? {};
  return `data: ${JSON.stringify({ ...message, params: { ...params, _meta: { ...meta, [RELATED_REQUEST_META_KEY]: id } } })}`;
}
