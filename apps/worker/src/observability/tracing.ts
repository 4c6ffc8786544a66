import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { AuditEvent } from "@portcullis/contracts/audit";
import type { AuditIngestObserver } from "./metrics";

/** Runs one audit batch's ingest; the tracing variant wraps it in a span. */
export type IngestRunner = <T>(events: AuditEvent[], run: () => Promise<T>) => Promise<T>;

/**
 * A CONSUMER span per audit.ingest batch (BullMQ job), with the batch size and how late its
 * oldest event is. Built only when main.ts registered the SDK (OTEL_* variables set).
 */
export function tracedIngest(version: string): IngestRunner {
  const tracer = trace.getTracer("portcullis-worker", version);
  return (events, run) =>
    tracer.startActiveSpan(
      "audit.ingest process",
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "bullmq",
          "messaging.operation.type": "process",
          "messaging.destination.name": "audit",
          "messaging.batch.message_count": events.length,
        },
      },
      async (span) => {
        const oldest = Math.min(...events.map((e) => Date.parse(e.occurredAt)));
        if (Number.isFinite(oldest)) span.setAttribute("portcullis.audit.lag_ms", Date.now() - oldest);
        try {
          return await run();
        } catch (err) {
          span.setAttribute(
            "error.type",
            (err as { code?: string })?.code ?? (err as Error)?.name ?? "Error",
          );
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

/** Adds the stored-row count to the active ingest span (an observer beside the metrics one). */
export const spanObserver: AuditIngestObserver = {
  batchStored(_events, inserted) {
    trace.getActiveSpan()?.setAttribute("portcullis.audit.inserted", inserted);
  },
};
