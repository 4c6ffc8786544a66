/**
 * A 2026-07-28 upstream as a process of its own, for `BENCH_UPSTREAM=v2 pnpm bench:hot`: the v2
 * SDK's server (`@modelcontextprotocol/server` McpServer behind createMcpHandler, stateless,
 * JSON answers: testkit's modern fixture, whose `echo` answers "echo: <message>"). It binds a
 * free port and writes its URL to URL_FILE.
 */
import { writeFileSync } from "node:fs";
import { startModernHttpServer } from "@portcullis/testkit/fixture-servers";

const server = await startModernHttpServer({ tag: "bench-v2" });
writeFileSync(process.env.URL_FILE!, server.url);
