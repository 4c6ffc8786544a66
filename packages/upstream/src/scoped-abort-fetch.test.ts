import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopedAbortFetch } from "./scoped-abort-fetch";

// A plain HTTP server: /json answers at once, /slow-json sends half a JSON body and stalls,
// /stream sends one SSE event and stays open.
let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/slow-json") {
      // Headers and half a body, then nothing: the rest never comes.
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.write('{"ok":');
      return;
    }
    if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: hello\n\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("scopedAbortFetch", () => {
  it("leaves no listener on a long-lived signal after many requests", async () => {
    const fetchScoped = scopedAbortFetch();
    const connection = new AbortController();
    for (let i = 0; i < 300; i++) {
      const response = await fetchScoped(`${origin}/json`, { signal: connection.signal });
      expect(await response.json()).toEqual({ ok: true });
    }
    // Plain fetch would hold ~300 here until garbage collection.
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(0);
  });

  it("hands back a JSON body already read, unlinked before the caller reads it", async () => {
    const connection = new AbortController();
    const response = await scopedAbortFetch()(`${origin}/json`, { signal: connection.signal });
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(0);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true });
  });

  it("aborts a JSON body that is still arriving when the long-lived signal aborts", async () => {
    const connection = new AbortController();
    const pending = scopedAbortFetch()(`${origin}/slow-json`, { signal: connection.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(1);
    connection.abort(new Error("transport closed"));
    await expect(pending).rejects.toThrow();
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(0);
  });

  it("keeps a streaming body linked until it is cancelled, then releases it", async () => {
    const connection = new AbortController();
    const response = await scopedAbortFetch()(`${origin}/stream`, { signal: connection.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: hello\n\n");
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(1);
    await reader.cancel();
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(0);
  });

  it("still aborts an open stream when the long-lived signal aborts", async () => {
    const connection = new AbortController();
    const response = await scopedAbortFetch()(`${origin}/stream`, { signal: connection.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    connection.abort(new Error("transport closed"));
    await expect(reader.read()).rejects.toThrow();
    expect(getEventListeners(connection.signal, "abort")).toHaveLength(0);
  });

  it("rejects at once for an already aborted signal", async () => {
    const connection = new AbortController();
    connection.abort(new Error("closed before"));
    await expect(scopedAbortFetch()(`${origin}/json`, { signal: connection.signal })).rejects.toThrow(
      "closed before",
    );
  });
});
