import { type RunningTracing, startTracing } from "@portcullis/telemetry/start-tracing";
import { type OtlpReceiver, startOtlpReceiver } from "@portcullis/testkit/otlp-receiver";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "./testing/caught";
import { type ApiHarness, startApiHarness } from "./testing/harness";

// The console's tRPC calls as spans, exported over OTLP/HTTP to a real receiver by the SDK
// the console's instrumentation registers (here in-process, configured the same way).
let h: ApiHarness;
let receiver: OtlpReceiver;
let tracing: RunningTracing;
const SERVER = 2;
const ERROR = 2;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The exporter reads its variables from the process environment, as in the console.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  process.env.OTEL_BSP_SCHEDULE_DELAY = "50";
  tracing = await startTracing({ defaultServiceName: "portcullis-console", env: process.env });
  h = await startApiHarness("tracing");
});
afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
  await receiver?.close();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_BSP_SCHEDULE_DELAY;
});
beforeEach(() => h.beginTest());

describe("tRPC procedure spans", () => {
  it("a call is a server span named by its path", async () => {
    const caller = await h.as("admin");
    await caller.teams.list();
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "teams.list"));
    const span = spans.find((s) => s.name === "teams.list")!;
    expect(span).toMatchObject({ kind: SERVER, service: "portcullis-console", parentSpanId: "" });
    expect(span.attributes).toMatchObject({
      "rpc.system": "trpc",
      "rpc.method": "teams.list",
      "portcullis.trpc.type": "query",
    });
    expect(span.statusCode).not.toBe(ERROR);
  });

  it("a refused call is an error span with the tRPC code as error.type", async () => {
    const caller = await h.as("member");
    expect((await caught(caller.teams.create({ name: "nope" }))).code).toBe("FORBIDDEN");
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "teams.create"));
    const span = spans.find((s) => s.name === "teams.create")!;
    expect(span.statusCode).toBe(ERROR);
    expect(span.attributes).toMatchObject({ "error.type": "FORBIDDEN", "portcullis.trpc.type": "mutation" });
  });
});
