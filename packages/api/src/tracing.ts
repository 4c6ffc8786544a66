import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("portcullis-console");

/**
 * One SERVER span per tRPC procedure call, named by its path (`servers.list`), with the
 * tRPC error code as error.type when it fails. Without a registered SDK (the console's
 * instrumentation registers one only when OTEL_* variables ask for traces) the tracer is
 * OpenTelemetry's no-op one.
 */
export function traceProcedureCall<T extends { ok: boolean; error?: unknown }>(
  path: string,
  type: string,
  next: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    path,
    {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "trpc", "rpc.method": path, "portcullis.trpc.type": type },
    },
    async (span) => {
      try {
        const result = await next();
        if (!result.ok) {
          const code = (result.error as { code?: unknown } | undefined)?.code;
          span.setAttribute("error.type", typeof code === "string" ? code : "INTERNAL_SERVER_ERROR");
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      } finally {
        span.end();
      }
    },
  );
}
