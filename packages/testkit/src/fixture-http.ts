import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** A node:http server bound to 127.0.0.1 on an OS-assigned port. */
export interface ListeningServer {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1:0. `close()` also drops keep-alive and streaming (SSE)
 * connections, so a test's afterAll never waits on an open stream.
 */
export async function listenLocal(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(error instanceof Error ? error.message : "internal error");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** 401 unless the request carries `Authorization: Bearer <token>`. Returns true when it answered. */
export function rejectWithoutBearer(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
): boolean {
  if (token === undefined || req.headers.authorization === `Bearer ${token}`) return false;
  res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="fixture"' });
  res.end(JSON.stringify({ error: "unauthorized" }));
  return true;
}

/** Reads a request body as parsed JSON (undefined when empty). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  return raw === "" ? undefined : JSON.parse(raw);
}

/** Converts a node request into a web `Request` (for fetch-shaped MCP handlers). */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const controller = new AbortController();
  // The exchange ending early (client gone, request cancelled) cancels the handler's work.
  // Per response, not per socket: keep-alive sockets serve many requests.
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
}

/** Writes a web `Response` to a node response, streaming the body (SSE included). */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once("close", () => {
    reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away mid-stream; nothing left to deliver.
  }
  res.end();
}
