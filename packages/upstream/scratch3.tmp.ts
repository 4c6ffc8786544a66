import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startModernHttpServer } from "@portcullis/testkit/fixture-servers";
const fx = await startModernHttpServer();
const c = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
await c.connect(new StreamableHTTPClientTransport(new URL(fx.url)));
try { console.log("ping", await c.ping()); } catch (e: any) { console.log("ping ERR", e.code, e.message); }
try { console.log("discover", Object.keys(await c.discover())); } catch (e: any) { console.log("disc ERR", e.code, e.message); }
const t0 = Date.now();
try { await c.callTool({ name: "slow", arguments: { ms: 2000 } }, { timeout: 200 }); } catch (e: any) { console.log("slow ERR", e.constructor.name, e.code, e.message, Date.now() - t0); }
console.log(await c.callTool({ name: "echo", arguments: { message: "after" } }));
await c.close(); await fx.close();
