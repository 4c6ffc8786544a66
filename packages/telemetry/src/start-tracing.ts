import type { RunningTracing } from "./running-tracing";
import { samplerFromEnv } from "./sampler-from-env";

export type { RunningTracing } from "./running-tracing";

/**
 * Registers the OpenTelemetry SDK for this process: W3C trace context, async context
 * across awaits, spans batched to OTLP/HTTP (JSON). Everything is read from the standard
 * variables: the exporter's OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout), the
 * resource's OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the sampler's
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, and the batching's OTEL_BSP_SCHEDULE_DELAY
 * and OTEL_BSP_MAX_QUEUE_SIZE.
 *
 * The SDK packages are imported here, dynamically, and only when this runs: a process
 * whose variables leave tracing off (see `tracingEnabled`) never loads them, even from a
 * bundle that contains this module.
 */
export async function startTracing(options: {
  /** service.name when OTEL_SERVICE_NAME does not set one. */
  defaultServiceName: string;
  /** The process environment (the OTLP exporter reads its own variables from process.env). */
  env: Record<string, string | undefined>;
}): Promise<RunningTracing> {
  const [api, hooks, core, exporter, resources, sdk] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace"),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": options.defaultServiceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplerFromEnv(sdk, options.env),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new exporter.OTLPTraceExporter(),
        ...batchOptions(options.env),
      }),
    ],
  });
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      api.trace.disable();
      api.propagation.disable();
      api.context.disable();
    },
  };
}

function batchOptions(env: Record<string, string | undefined>) {
  const int = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got '${raw}'`);
    return value;
  };
  const scheduledDelayMillis = int("OTEL_BSP_SCHEDULE_DELAY");
  const maxQueueSize = int("OTEL_BSP_MAX_QUEUE_SIZE");
  return {
    ...(scheduledDelayMillis !== undefined && { scheduledDelayMillis }),
    ...(maxQueueSize !== undefined && { maxQueueSize }),
  };
}
