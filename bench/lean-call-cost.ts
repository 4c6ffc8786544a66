/**
 * CPU per lean tools/call toward the minimal upstream, in this process, for the ways the
 * answer can be read: through a fetch Response (`leanFetch`) or as read bytes
 * (`leanRequest`), and what the SDK's CallToolResult schema costs on that answer. Variants
 * run interleaved in slices so they share the machine's load.
 *
 *   node --import tsx bench/lean-call-cost.ts   (env: BENCH_CALLS=20000)
 */
import { specTypeSchemas } from "@modelcontextprotocol/client";
import { type LeanTarget, leanCallTool } from "@portcullis/upstream/lean-call";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { startMinimalUpstream } from "./lib/minimal-upstream";

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const SLICE = 500;
const upstream = await startMinimalUpstream(0);
const guard = createOutboundGuard(["127.0.0.1"]);
const base = { url: new URL(upstream.url), headers: {}, protocolVersion: "2025-11-25", sessionId: undefined };
const hooks = { onOtherMessage() {}, notify: async () => {} };
const args = { message: "hello from the hot-path bench, sixty-four bytes of plain text ok." };
const schema = specTypeSchemas.CallToolResult["~standard"];

const variants: Record<string, () => Promise<unknown>> = {
  "fetch Response": () =>
    leanCallTool({ ...base, fetch: guard.leanFetch } as LeanTarget, "echo", args, { timeout: 5000 }, hooks),
  "read bytes (leanRequest)": () =>
    leanCallTool(
      { ...base, fetch: guard.leanFetch, request: guard.leanRequest } as LeanTarget,
      "echo",
      args,
      { timeout: 5000 },
      hooks,
    ),
  // validate() may answer synchronously: awaited either way.
  "CallToolResult schema alone": async () =>
    schema.validate({ content: [{ type: "text", text: args.message }] }),
};
const cpu: Record<string, number> = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
for (const run of Object.values(variants)) for (let i = 0; i < 500; i++) await run();
for (let done = 0; done < CALLS; done += SLICE) {
  for (const [name, run] of Object.entries(variants)) {
    const t = process.cpuUsage();
    for (let i = 0; i < SLICE; i++) await run();
    const d = process.cpuUsage(t);
    cpu[name]! += d.user + d.system;
  }
}
// The client's CPU includes the upstream's (same process): read the differences.
for (const [name, us] of Object.entries(cpu))
  process.stdout.write(`${name}: ${(us / CALLS).toFixed(1)} µs CPU per call\n`);
await upstream.close();
process.exit(0);
