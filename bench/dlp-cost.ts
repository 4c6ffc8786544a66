/**
 * What DLP adds to a tools/call: the gateway's DLP stage run in-process (the same code path
 * as a call, without HTTP) on typical argument and result sizes, with no DLP policy, a
 * policy with one detector, and a policy with every built-in detector plus one custom pattern.
 *
 *   pnpm exec tsx bench/dlp-cost.ts   (env: BENCH_DLP_MS=300 per measurement)
 *
 * Each cell: CPU µs per call (process CPU time over a loop, so a busy machine that
 * deschedules the process does not inflate it), then the p50 and p99 of individually
 * wall-clock-timed calls. Payloads are clean (nothing to find: the common case, where every
 * detector runs to the end) unless the row says otherwise.
 */
import { pino } from "pino";
import { createDlpStage } from "../apps/gateway/src/pipeline/dlp-stage";
import { type CallContext, newAuditFields } from "../apps/gateway/src/pipeline/request-context";
import type { StageInput } from "../apps/gateway/src/pipeline/stage-input";
import { CompiledSnapshot } from "../apps/gateway/src/snapshot/compiled-snapshot";
import { SnapshotBuilder } from "../apps/gateway/src/testing/snapshot-builder";
import { fmt, percentile } from "./lib/stats";

const BUDGET_MS = Number(process.env.BENCH_DLP_MS ?? 300);
const secretKey = Buffer.alloc(32);
const b = new SnapshotBuilder(secretKey);
const server = b.server({ name: "files", transport: "streamable-http", url: "http://127.0.0.1:1/mcp" });
b.addTools(server, [{ name: "write", inputSchema: { type: "object" } }]);
const none = b.agent("no-dlp", "bench");
const one = b.agent("one-detector", "bench");
const all = b.agent("all-detectors", "bench");
b.policy("dlp", { detectors: ["aws-access-key"], action: "redact" }, { agents: [one.id] });
b.policy(
  "dlp",
  { detectors: "all", custom: [{ name: "employee-id", pattern: "EMP-\\d{6}" }], action: "redact" },
  { agents: [all.id] },
);
const doc = b.build(1);
const snapshot = new CompiledSnapshot(doc, secretKey);
const tool = doc.tools[0]!;
const key = { id: "key_bench", agentId: "", hash: "", expiresAt: null };
const stage = createDlpStage({ logger: pino({ level: "warn" }) });

function input(agent: typeof none): StageInput {
  const ctx: CallContext = {
    requestId: "bench",
    occurredAt: new Date(),
    startedAt: 0,
    method: "tools/call",
    protocolVersion: null,
    portal: null,
    identity: { kind: "agent", agent, key },
    snapshot,
    handlerDone: null,
    audit: newAuditFields(),
  };
  return { ctx, server, tool };
}

// ── payloads: what agents send and tools return, with the usual noise (ids, hashes, dates) ──
const PROSE =
  "Deploy api v2.14.3 to staging after migration 2024-01-15T10:30:00Z; commit 3f786850e387550fdab836ed7e6dc881de23001b, " +
  "request 550e8400-e29b-41d4-a716-446655440000, see https://docs.acme-corp.io/runbooks/deploy#rollback for steps. ";
const text = (bytes: number) => PROSE.repeat(Math.ceil(bytes / PROSE.length)).slice(0, bytes);
const argsSmall = {
  path: "/srv/app/config.yaml",
  message: "deploy the api to staging",
  retries: 3,
  tags: ["api", "staging"],
};
const args2k = { title: "Release notes", body: text(2048), labels: ["release", "api"], draft: false };
const argsSecret = { path: "/srv/app/.env", content: `AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWUZ7GHXQ\n${text(200)}` };
const result = (bytes: number) => ({ content: [{ type: "text" as const, text: text(bytes) }] });
const structured = (rows: number) => ({
  content: [{ type: "text" as const, text: `${rows} rows` }],
  structuredContent: {
    rows: Array.from({ length: rows }, (_, i) => ({
      id: `550e8400-e29b-41d4-a716-${String(i).padStart(12, "0")}`,
      name: `service-${i}`,
      status: i % 3 ? "healthy" : "degraded",
      updatedAt: "2024-01-15T10:30:00Z",
      note: "restarted after deploy of v2.14.3",
    })),
  },
});

const r1k = result(1024);
const r16k = result(16 * 1024);
const r1m = result(1024 * 1024);
const rows100 = structured(100);

type Case = { label: string; bytes: number; run: (i: StageInput) => unknown };
const cases: Case[] = [
  {
    label: "arguments, 4 fields",
    bytes: JSON.stringify(argsSmall).length,
    run: (i) => stage.scanArguments(i, argsSmall),
  },
  {
    label: "arguments, 2 KiB text field",
    bytes: JSON.stringify(args2k).length,
    run: (i) => stage.scanArguments(i, args2k),
  },
  {
    label: "arguments with a key (redacted)",
    bytes: JSON.stringify(argsSecret).length,
    run: (i) => stage.scanArguments(i, argsSecret),
  },
  { label: "result, 1 KiB text", bytes: 1024, run: (i) => stage.scanResult(i, r1k) },
  { label: "result, 16 KiB text", bytes: 16 * 1024, run: (i) => stage.scanResult(i, r16k) },
  {
    label: "result, 100 structured rows",
    bytes: JSON.stringify(rows100).length,
    run: (i) => stage.scanResult(i, rows100),
  },
  { label: "result, 1 MiB text (16 chunks)", bytes: 1024 * 1024, run: (i) => stage.scanResult(i, r1m) },
];

interface Measured {
  cpu: number;
  p50: number;
  p99: number;
}

/** CPU µs per call over about BUDGET_MS of CPU, and p50/p99 wall µs of individually timed calls. */
function measure(c: Case, stageInput: StageInput): Measured {
  const once = () => {
    stageInput.ctx.audit = newAuditFields(); // findings must not pile up across iterations
    c.run(stageInput);
  };
  for (let i = 0; i < 50; i++) once();
  const cpuUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  let loops = 0;
  const started = cpuUs();
  while (cpuUs() - started < BUDGET_MS * 1000) {
    for (let i = 0; i < 10; i++) once();
    loops += 10;
  }
  const cpu = (cpuUs() - started) / loops;
  const samples: number[] = [];
  const deadline = performance.now() + BUDGET_MS;
  while (samples.length < 50 || (performance.now() < deadline && samples.length < 20_000)) {
    const t = performance.now();
    once();
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((x, y) => x - y);
  return { cpu, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const agents = [
  { label: "0 detectors", input: input(none) },
  { label: "1 detector", input: input(one) },
  { label: "all 12 + 1 custom", input: input(all) },
];
const num = (x: number) => fmt(x, x < 10 ? 1 : 0);
const cell = (m: Measured) => `${num(m.cpu).padStart(7)} (${num(m.p50)} / ${num(m.p99)})`.padEnd(26);

process.stdout.write("\nDLP cost per call, µs: CPU per call (wall p50 / p99), in-process\n");
process.stdout.write(
  `  ${"payload".padEnd(34)}${"bytes".padStart(8)}   ${agents.map((a) => a.label.padEnd(26)).join("")}\n`,
);
for (const c of cases) {
  const cells = agents.map((a) => cell(measure(c, a.input)));
  process.stdout.write(`  ${c.label.padEnd(34)}${String(c.bytes).padStart(8)}   ${cells.join("")}\n`);
}
