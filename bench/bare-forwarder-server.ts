/**
 * The floor for any Node.js gateway on this machine: a forwarder that reads a request,
 * sends its bytes to the upstream over a keep-alive undici pool and writes the answer back,
 * with nothing else (no authentication, policy, DLP, rate limit or audit). bench/hot-path.ts
 * measures it beside the gateway so the table says how much of the gap to direct is Node's
 * HTTP stack (two more hops per call) and how much is ours.
 *   PORT=4001 UPSTREAM=http://127.0.0.1:3999/mcp node --import tsx bench/bare-forwarder-server.ts
 */
import { createServer } from "node:http";
import { Pool } from "undici";

const upstream = new URL(process.env.UPSTREAM ?? "http://127.0.0.1:3999/mcp");
const pool = new Pool(upstream.origin, { connections: 64 });
const FORWARDED = ["content-type", "accept", "mcp-protocol-version", "mcp-method", "mcp-name"];

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    pool
      .request({ path: upstream.pathname, method: "POST", headers, body: Buffer.concat(chunks) })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"] ?? "") });
        res.end(body);
      })
      .catch((err: Error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(err.message);
      });
  });
}).listen(Number(process.env.PORT ?? 0), "127.0.0.1");
