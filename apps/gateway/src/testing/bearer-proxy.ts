import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy that adds `Authorization: Bearer <key>` to every request, for clients
 * that cannot send headers (the conformance suite's CLI). Everything else passes as sent,
 * streams included. A localhost Host naming the proxy becomes the target's, and a localhost
 * Origin naming it becomes `LOCAL_ORIGIN` (which the test gateway allows, as an operator lists
 * the origins it trusts), so the gateway's DNS-rebinding guard judges foreign ones as sent.
 */
export const LOCAL_ORIGIN = "http://localhost";

export async function startBearerProxy(
  target: string,
  key: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  let own = "";
  const server = createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${key}` };
    const local = (value: string | undefined) =>
      value !== undefined &&
      /^(localhost|127\.0\.0\.1|\[::1\])$/.test(value.replace(/^https?:\/\//, "").replace(/:\d+$/, "")) &&
      value.endsWith(own);
    if (local(req.headers.host)) headers.host = to.host;
    if (typeof req.headers.origin === "string" && local(req.headers.origin)) headers.origin = LOCAL_ORIGIN;
    const path =
      req.url === "/" || req.url === ""
        ? to.pathname
        : `${to.pathname}${req.url?.replace(/^\/mcp/, "") ?? ""}`;
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  own = `:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://127.0.0.1${own}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
