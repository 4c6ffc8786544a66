import { Client, StreamableHTTPClientTransport, SSEClientTransport } from "@modelcontextprotocol/client";
import { startLegacyHttpServer, startModernHttpServer, startSseServer } from "@portcullis/testkit/fixture-servers";

for (const [name, start] of [["legacy", startLegacyHttpServer], ["modern", startModernHttpServer], ["sse", startSseServer]] as const) {
  const fx = await start({ requireBearer: "tok" });
  const c = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
  const headers = { authorization: "Bearer tok" };
  const t = name === "sse" ? new SSEClientTransport(new URL(fx.url), { requestInit: { headers }, eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as object), ...headers } }) } }) : new StreamableHTTPClientTransport(new URL(fx.url), { requestInit: { headers } });
  const t0 = Date.now();
  await c.connect(t);
  console.log(name, c.getNegotiatedProtocolVersion(), Date.now() - t0, "ms");
  console.log((await c.listTools()).tools.map((t) => t.name).join(","));
  console.log(JSON.stringify((await c.callTool({ name: "echo", arguments: { message: "hi" } })).content));
  console.log(JSON.stringify((await c.readResource({ uri: "fixture://readme" })).contents));
  fx.setToolDescription("echo", "changed!");
  console.log((await c.listTools()).tools.find((t) => t.name === "echo")?.description);
  try { await c.getPrompt({ name: "nope" }); } catch (e: any) { console.log("ERR", e.constructor.name, e.code, e.message); }
  console.log("calls", fx.calls, "sessions", fx.sessionsOpened);
  await c.close();
  await fx.close();
}
