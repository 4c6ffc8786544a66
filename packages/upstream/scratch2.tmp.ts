import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startLegacyHttpServer, startModernHttpServer } from "@portcullis/testkit/fixture-servers";
process.on("warning", (w) => console.log("WARNING", w.name, w.message.slice(0, 200)));
const which = process.argv[2];
const fx = await (which === "modern" ? startModernHttpServer() : startLegacyHttpServer());
const c = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
const t = new StreamableHTTPClientTransport(new URL(fx.url));
await c.connect(t);
const t0 = Date.now();
for (let i = 0; i < 3000; i++) {
  await c.callTool({ name: "echo", arguments: { message: String(i) } });
  if (i % 500 === 0) console.log(i, Date.now() - t0, process.memoryUsage().heapUsed >> 20);
}
console.log("done", Date.now() - t0, "ms");
await c.close(); await fx.close();
