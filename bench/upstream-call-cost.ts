/**
 * What the gateway's upstream call itself costs, per tools/call: the UpstreamPool calling a
 * minimal upstream (its own process) through the SDK client (`lean: false`, the path every
 * 2026-07-28 upstream took before lean-call-2026.ts) and through the lean call, for a
 * 2025-11-25 and a 2026-07-28 upstream (and the v2 SDK's own server, when BENCH_UPSTREAM=v2
 * is set). CPU is this process's (user + system, process.cpuUsage), so the number holds
 * under load; the load average is printed beside it.
 *
 *   node --import tsx bench/upstream-call-cost.ts   (env: BENCH_CALLS=3000 BENCH_CONCURRENCY=8)
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@portcullis/testkit/ports";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { startService, stop, waitForHttp } from "./lib/processes";

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MESSAGE = "hello from the upstream-call bench, sixty-four bytes of text ok.".slice(0, 64);

const running: ReturnType<typeof startService>[] = [];
const pool = new UpstreamPool({ outbound: createOutboundGuard(["127.0.0.1"]) });

async function minimal(revision: string): Promise<string> {
  const port = await freePort();
  running.push(
    startService("upstream", "bench/minimal-upstream-server.ts", { PORT: String(port), REVISION: revision }),
  );
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitForHttp(url, 30_000, "POST");
  return url;
}

async function v2(): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "pcbench-v2-")), "url");
  running.push(startService("upstream", "bench/v2-upstream-server.ts", { URL_FILE: file }));
  for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return readFileSync(file, "utf8");
}

/** Microseconds of this process's CPU per call, CALLS calls at CONCURRENCY. */
async function cpuPerCall(url: string, lean: boolean): Promise<number> {
  const spec = {
    id: url,
    name: "bench",
    transport: "streamable-http" as const,
    url,
    headers: {},
    timeoutMs: 10_000,
  };
  const call = () => pool.callTool(spec, "echo", { message: MESSAGE }, { lean });
  for (let i = 0; i < 300; i++) await call();
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CALLS) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

try {
  const upstreams: Array<[string, string]> = [
    ["minimal 2025-11-25", await minimal("2025-11-25")],
    ["minimal 2026-07-28", await minimal("2026-07-28")],
  ];
  if (process.env.BENCH_UPSTREAM === "v2") upstreams.push(["v2 SDK server 2026-07-28", await v2()]);
  const rows: string[] = [];
  for (const [label, url] of upstreams) {
    // Alternated twice, so both see the same load.
    const sdk = [await cpuPerCall(url, false)];
    const lean = [await cpuPerCall(url, true)];
    sdk.push(await cpuPerCall(url, false));
    lean.push(await cpuPerCall(url, true));
    const s = (sdk[0]! + sdk[1]!) / 2;
    const l = (lean[0]! + lean[1]!) / 2;
    rows.push(
      `${label.padEnd(26)} | ${s.toFixed(0).padStart(9)} | ${l.toFixed(0).padStart(9)} | ${(s / l).toFixed(2)}×`,
    );
  }
  process.stdout.write(
    `\nUpstream call CPU per tools/call (µs, this process), ${CALLS} calls at c=${CONCURRENCY}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}\n`,
  );
  process.stdout.write(`${"upstream".padEnd(26)} | SDK client | lean call | saved\n`);
  for (const row of rows) process.stdout.write(`${row}\n`);
} finally {
  await pool.close();
  for (const child of running.reverse()) await stop(child);
}
process.exit(0);
