/**
 * The demo's second upstream: a small notes server speaking MCP revision 2026-07-28
 * (the v2 SDK's stateless serving; 2025-era clients are refused, so the gateway must
 * negotiate the modern revision to reach it). Notes live in memory.
 *
 *   PORT=3902 tsx demo/servers/notes-server.ts
 */
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

const port = Number(process.env.PORT ?? 3902);
const notes = new Map<number, { id: number; text: string; createdAt: string }>();
let nextId = 1;

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

function buildServer(): McpServer {
  const server = new McpServer({ name: "portcullis-demo-notes", version: "1.0.0" });
  server.registerTool(
    "add",
    {
      description: "Adds two numbers.",
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      annotations: { readOnlyHint: true },
    },
    async ({ a, b }) => text(String(a + b)),
  );
  server.registerTool(
    "echo",
    {
      description: "Echoes the message back.",
      inputSchema: z.object({ message: z.string() }),
      annotations: { readOnlyHint: true },
    },
    async ({ message }) => text(`echo: ${message}`),
  );
  server.registerTool(
    "note-create",
    {
      description: "Stores a note and returns its id.",
      inputSchema: z.object({ text: z.string().min(1).max(10_000) }),
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    async ({ text: body }) => {
      const note = { id: nextId++, text: body, createdAt: new Date().toISOString() };
      notes.set(note.id, note);
      return text(`created note ${note.id}`);
    },
  );
  server.registerTool(
    "note-search",
    {
      description: "Finds notes containing the query.",
      inputSchema: z.object({ query: z.string() }),
      annotations: { readOnlyHint: true },
    },
    async ({ query }) => {
      const found = [...notes.values()].filter((n) => n.text.toLowerCase().includes(query.toLowerCase()));
      return text(found.length ? found.map((n) => `#${n.id} ${n.text}`).join("\n") : "no notes match");
    },
  );
  server.registerTool(
    "delete-everything",
    {
      description: "Deletes every note.",
      inputSchema: z.object({ confirm: z.boolean() }),
      annotations: { destructiveHint: true },
    },
    async ({ confirm }) => {
      if (confirm) notes.clear();
      return text(confirm ? "deleted every note" : "nothing deleted");
    },
  );
  return server;
}

const handler = createMcpHandler(buildServer, { legacy: "reject" });

const http = createServer(async (req, res) => {
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body = req.method === "POST" ? Buffer.concat(chunks) : undefined;
  const response = await handler.fetch(
    new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).pipe(res);
  else res.end();
});

http.listen(port, "127.0.0.1", () =>
  process.stderr.write(`notes MCP server (2026-07-28) on http://127.0.0.1:${port}/mcp\n`),
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => http.close(() => process.exit(0)));
