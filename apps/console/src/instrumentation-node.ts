import { tracingEnabled } from "@portcullis/telemetry/tracing-enabled";

// Spans are exported in batches every OTEL_BSP_SCHEDULE_DELAY ms (5 s by default). No
// shutdown hook: a SIGTERM listener here would change how `next start` stops.
// The OAuth authorization server for MCP clients runs beside Next.js in this process.
// A failure to start it is reported and leaves the console itself serving.
try {
  const { startConsoleAuthorizationServer } = await import("./server/authorization-server");
  await startConsoleAuthorizationServer();
} catch (err) {
  process.stderr.write(`portcullis console: OAuth authorization server not started: ${String(err)}\n`);
}

if (tracingEnabled(process.env)) {
  const { startTracing } = await import("@portcullis/telemetry/start-tracing");
  await startTracing({ defaultServiceName: "portcullis-console", env: process.env });
}
