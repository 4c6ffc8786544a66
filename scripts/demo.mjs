// `npm run demo`: install, migrate, apply the demo configuration, start two demo upstream
// MCP servers, the worker and the gateway, then print the endpoint, a fresh agent key and
// an mcp.json snippet. Ctrl-C stops everything.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { startConsoleStack } from "./demo-console.mjs";
import {
  ensureEnvFile,
  fail,
  install,
  log,
  pnpm,
  requireServices,
  root,
  startChild,
  superviseChild,
  waitForHttp,
} from "./lib.mjs";

install();
ensureEnvFile();
// Production runs compiled JavaScript: the gateway, the worker and the CLI as built by `pnpm build`.
log("building the gateway, the worker and the CLI (pnpm build)");
pnpm(["--silent", "build"], { stdio: ["ignore", "ignore", "inherit"] });
const env = process.env;
// The demo's upstreams listen on loopback and its memory server runs with node: allow just
// that (an .env made before these settings existed has neither).
env.PORTCULLIS_OUTBOUND_ALLOW ??= "127.0.0.1,::1,localhost";
env.PORTCULLIS_STDIO_ALLOW ??= "node,npx";
// People sign in from MCP clients through the console's OAuth authorization server; the
// gateway accepts its tokens for its public URL.
env.OAUTH_ISSUER ??= "http://127.0.0.1:3100";
env.GATEWAY_PUBLIC_URL ??= `http://${env.GATEWAY_HOST ?? "127.0.0.1"}:${env.GATEWAY_PORT ?? 4000}`;
env.GATEWAY_OAUTH_ISSUER ??= env.OAUTH_ISSUER;
await requireServices(env.DATABASE_URL, env.REDIS_URL);

const tsx = `${root}node_modules/.bin/tsx`;
const dist = (app) => `${root}apps/${app}/dist/main.js`;
const cli = (args, opts = {}) => {
  const r = spawnSync(process.execPath, [dist("cli"), ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    ...opts,
  });
  if (r.status !== 0) fail(`portcullis ${args.join(" ")} failed`);
  return r.stdout;
};

log("migrating the database");
cli(["migrate"]);

const children = [];
const stopAll = () => {
  for (const c of children) c.kill("SIGTERM");
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    log("stopping");
    stopAll();
    setTimeout(() => process.exit(0), 1500).unref();
  });
}
process.on("exit", stopAll);

log("starting demo upstream servers: everything (:3901, MCP 2025-11-25) and notes (:3902, MCP 2026-07-28)");
const everythingBin = `${root}demo/node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
children.push(
  startChild("everything", process.execPath, [everythingBin, "streamableHttp"], { PORT: "3901" }),
);
children.push(startChild("notes", tsx, [`${root}demo/servers/notes-server.ts`], { PORT: "3902" }));
await waitForHttp("http://127.0.0.1:3901/mcp");
await waitForHttp("http://127.0.0.1:3902/mcp");

log("applying the demo configuration (servers, team, agent, grants) and syncing catalogs");
mkdirSync(`${root}.portcullis`, { recursive: true });
const configPath = `${root}.portcullis/portcullis.demo.yaml`;
writeFileSync(
  configPath,
  readFileSync(`${root}demo/portcullis.yaml`, "utf8").replaceAll("__ROOT__", root.replace(/\/$/, "")),
);
cli(["apply", "-f", configPath], { stdio: ["ignore", "inherit", "inherit"] });

log("creating a key for demo-agent");
const key = cli([
  "agent",
  "key",
  "create",
  "demo-agent",
  "--name",
  `demo ${new Date().toISOString()}`,
]).trim();

log("starting the worker and the gateway");
// Team webhook messages link to requests in the demo console.
const consoleUrl = env.PORTCULLIS_CONSOLE_URL || env.NEXTAUTH_URL || "http://127.0.0.1:3000";
const workerMetricsPort = env.WORKER_METRICS_PORT || "9465";
// Supervised: a worker or gateway that crashes is started again (Kubernetes does this in production).
children.push(
  superviseChild("worker", process.execPath, ["--enable-source-maps", dist("worker")], {
    PORTCULLIS_CONSOLE_URL: consoleUrl,
    WORKER_METRICS_PORT: workerMetricsPort,
  }),
);
children.push(superviseChild("gateway", process.execPath, ["--enable-source-maps", dist("gateway")]));
const gatewayUrl = `http://${env.GATEWAY_HOST ?? "127.0.0.1"}:${env.GATEWAY_PORT ?? 4000}`;
await waitForHttp(`${gatewayUrl}/readyz`);

log("starting the console and the development OpenID provider");
const consoleStack = await startConsoleStack({ root, env, startChild, waitForHttp });
children.push(...consoleStack.children);

const snippet = {
  mcpServers: {
    portcullis: { type: "http", url: `${gatewayUrl}/mcp`, headers: { Authorization: `Bearer ${key}` } },
  },
};
// An OAuth-capable client needs only the URL: the 401 names the authorization server.
const oauthSnippet = { mcpServers: { portcullis: { type: "http", url: `${gatewayUrl}/mcp` } } };
process.stdout.write(`
Portcullis is running.

  MCP endpoint   ${gatewayUrl}/mcp
  Metrics        ${env.GATEWAY_METRICS_PORT ? `http://127.0.0.1:${env.GATEWAY_METRICS_PORT}` : gatewayUrl}/metrics (gateway), http://127.0.0.1:${workerMetricsPort}/metrics (worker)
  Agent key      ${key}     (demo-agent, team platform; shown once)

mcp.json for Claude Code / Cursor (an agent, with its key):
${JSON.stringify(snippet, null, 2)}

mcp.json for a person (the client signs you in through ${env.OAUTH_ISSUER}, with the dev SSO):
${JSON.stringify(oauthSnippet, null, 2)}

${consoleStack.lines.join("\n")}

Try it:  npx @modelcontextprotocol/inspector  (Streamable HTTP, the URL and header above)
Audit:   pnpm portcullis audit search --since 10m
Stop:    Ctrl-C
`);
