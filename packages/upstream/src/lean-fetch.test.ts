import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard, OutboundRefusedError } from "./outbound-guard";

// The guard's lean fetch against a real node:http server: answers read like fetch's, the
// outbound checks still apply to the address a socket connects to, and a long-lived signal
// keeps no listener once each answer is read.

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/json") {
      res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" });
      res.end('{"ok":true}');
    } else if (req.url === "/bom") {
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.setHeader("x-multi", ["a", "b "]);
      res.end('\uFEFF{"ok":1,"text":"\u00e9"}');
    } else if (req.url === "/redirect") {
      res.writeHead(307, { location: "http://169.254.169.254/" }).end();
    } else if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      // Never ends on its own: the client aborts.
    } else if (req.url === "/accepted") {
      res.writeHead(202).end();
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("no such path");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("lean fetch", () => {
  const guard = createOutboundGuard(["127.0.0.1"]);

  it("answers like fetch: status, headers and body; 202 with no body; an error page", async () => {
    const res = await guard.leanFetch(`http://127.0.0.1:${port}/json`, { method: "POST", body: "{}" });
    expect([res.status, res.statusText, res.headers.get("mcp-session-id")]).toEqual([200, "OK", "s1"]);
    expect(await res.json()).toEqual({ ok: true });
    expect((await guard.leanFetch(`http://127.0.0.1:${port}/accepted`, { method: "POST" })).status).toBe(202);
    const missing = await guard.leanFetch(`http://127.0.0.1:${port}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, "no such path"]);
  });

  it("refuses redirects and, without an allowlist, loopback names at connect time", async () => {
    await expect(guard.leanFetch(`http://127.0.0.1:${port}/redirect`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    const strict = createOutboundGuard([]);
    // A literal address is refused before the request; a name once it resolves to loopback.
    await expect(strict.leanFetch(`http://127.0.0.1:${port}/json`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    const byName = await strict.leanFetch(`http://localhost:${port}/json`).catch((e: unknown) => e);
    expect(byName).toBeInstanceOf(TypeError);
    expect(String((byName as { cause?: unknown }).cause)).toMatch(/refused/);
  });

  it("fails like fetch when nothing listens", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const err = await guard.leanFetch(`http://127.0.0.1:${deadPort}/json`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("leaves no listener on a long-lived signal, and an abort ends a stream", async () => {
    const longLived = new AbortController();
    for (let i = 0; i < 50; i++) {
      const res = await guard.leanFetch(`http://127.0.0.1:${port}/json`, { signal: longLived.signal });
      await res.text();
    }
    expect(getEventListeners(longLived.signal, "abort")).toHaveLength(0);

    const streaming = new AbortController();
    const res = await guard.leanFetch(`http://127.0.0.1:${port}/stream`, { signal: streaming.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: one\n\n");
    streaming.abort(new Error("client went away"));
    await expect(reader.read()).rejects.toThrow();
    expect(getEventListeners(streaming.signal, "abort")).toHaveLength(0);
  });

  it("leanRequest reads a finite answer as the Response of leanFetch reads it", async () => {
    for (const path of ["/json", "/bom", "/nope", "/accepted"]) {
      const url = `http://127.0.0.1:${port}${path}`;
      const [viaFetch, viaRequest] = [await guard.leanFetch(url), await guard.leanRequest(url)];
      const seen = async (r: {
        ok: boolean;
        status: number;
        statusText: string;
        text(): Promise<string>;
      }) => [r.ok, r.status, r.statusText, await r.text()];
      expect(await seen(viaRequest)).toEqual(await seen(viaFetch));
      for (const name of ["content-type", "Content-Type", "x-multi", "mcp-session-id", "absent"])
        expect(viaRequest.headers.get(name)).toBe(viaFetch.headers.get(name));
    }
    expect(await (await guard.leanRequest(`http://127.0.0.1:${port}/bom`)).json()).toEqual({
      ok: 1,
      text: "é",
    });
    const streaming = new AbortController();
    const stream = await guard.leanRequest(`http://127.0.0.1:${port}/stream`, { signal: streaming.signal });
    expect(stream).toBeInstanceOf(Response);
    streaming.abort();
  });
});
