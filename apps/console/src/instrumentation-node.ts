import { tracingEnabled } from "@portcullis/telemetry/tracing-enabled";

// Spans are exported in batches every OTEL_BSP_SCHEDULE_DELAY ms (5 s by default). No
// shutdown hook: a SIGTERM listener here would change how `next start` stops.
if (tracingEnabled(process.env)) {
  const { startTracing } = await import("@portcullis/telemetry/start-tracing");
  await startTracing({ defaultServiceName: "portcullis-console", env: process.env });
}
