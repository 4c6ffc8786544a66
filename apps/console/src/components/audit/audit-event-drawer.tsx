"use client";

import type { AppRouter } from "@portcullis/api/root";
import * as RadixDialog from "@radix-ui/react-dialog";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { ReactNode } from "react";
import { dateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { CopyButton } from "../ui/copy-button";
import { ErrorState } from "../ui/error-state";
import { SkeletonRows } from "../ui/spinner";
import { DecisionBadge } from "./decision-badge";
import { latency } from "./time-range";

/**
 * One audit event, every field, in a panel sliding over the right of the page (Radix UI's
 * Dialog: focus is trapped and restored, Escape and a click outside close it).
 */
export function AuditEventDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const trpc = useTRPC();
  const event = useQuery({ ...trpc.audit.get.queryOptions({ id: id ?? "" }), enabled: id !== null });

  return (
    <RadixDialog.Root open={id !== null} onOpenChange={(open) => !open && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <RadixDialog.Content
          aria-describedby={undefined}
          className="fixed inset-y-0 right-0 z-50 flex h-dvh w-[min(44rem,100vw)] flex-col bg-white text-slate-900 shadow-2xl focus:outline-none"
        >
          <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
            <div className="min-w-0">
              <RadixDialog.Title className="text-base font-semibold">Audit event</RadixDialog.Title>
              <p className="mt-1 truncate font-mono text-xs text-slate-600">{id}</p>
            </div>
            <RadixDialog.Close asChild>
              <Button variant="ghost" size="sm" aria-label="Close">
                <span aria-hidden="true">✕</span>
              </Button>
            </RadixDialog.Close>
          </div>
          <div className="flex-1 overflow-y-auto px-5 py-4">
            {event.error ? (
              <ErrorState error={event.error} />
            ) : !event.data ? (
              <SkeletonRows rows={8} label="Loading the event…" />
            ) : (
              <EventDetails event={event.data} />
            )}
          </div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

type AuditRecord = inferRouterOutputs<AppRouter>["audit"]["get"];

function EventDetails({ event }: { event: AuditRecord }) {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return (
    <div className="space-y-5 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <DecisionBadge decision={event.decision} isError={event.isError} />
        <span className="font-mono text-xs">{event.toolName ?? event.method}</span>
        {event.dlp?.map((f, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: findings have no id
          <Badge key={i} tone="purple">
            DLP {f.detector} · {f.action} · {f.path}
          </Badge>
        ))}
      </div>
      <Section title="Request">
        <Row label="Occurred">
          {dateTime(event.occurredAt)} ({event.occurredAt.toISOString()})
        </Row>
        <Row label="Method">{event.method}</Row>
        <Row label="Agent">{who(event.agentName, event.agentId)}</Row>
        <Row label="Team">{event.teamId ?? "—"}</Row>
        <Row label="User">{event.userId ?? "—"}</Row>
        <Row label="Server">{who(event.serverName, event.serverId)}</Row>
        <Row label="Tool">{event.toolName ?? "—"}</Row>
        <Row label="Request id">{event.requestId}</Row>
        <Row label="Protocol">{event.protocolVersion ?? "—"}</Row>
        <Row label="Endpoint">{event.portal ? `portal ${event.portal} (/mcp/${event.portal})` : "/mcp"}</Row>
        <Row label="Config version">{event.snapshotVersion ?? "—"}</Row>
      </Section>
      <Section title="Decision and outcome">
        <Row label="Decision">{event.decision}</Row>
        <Row label="Reason">{event.reason ?? "—"}</Row>
        <Row label="Error code">{event.errorCode ?? "—"}</Row>
        <Row label="Latency">
          {latency(event.latencyMs)}
          {event.upstreamLatencyMs !== null && ` (upstream ${latency(event.upstreamLatencyMs)})`}
        </Row>
        <Row label="Upstream status">{event.upstreamStatus ?? "—"}</Row>
        <Row label="Approval">{event.approvalId ?? "—"}</Row>
        <Row label="Run by execute">{event.parentId ?? "—"}</Row>
        <Row label="Agent key">{event.keyId ?? "—"}</Row>
      </Section>
      <Section
        title="Arguments"
        note="As the gateway recorded them: values its DLP policies redact never reach the log."
        action={
          event.arguments !== null && <CopyButton value={json(event.arguments)} label="Copy arguments" />
        }
      >
        <pre
          className="max-h-80 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100"
          data-testid="event-arguments"
        >
          {event.arguments === null ? "(none)" : json(event.arguments)}
        </pre>
      </Section>
      <Section title="Result summary">
        <p className="whitespace-pre-wrap break-words text-slate-800">{event.resultSummary ?? "—"}</p>
      </Section>
      <Section title="Integrity" note="Each event's hash covers its content and the previous event's hash.">
        <Row label="Position">{event.chainSeq ?? "not chained"}</Row>
        <Row label="Hash">
          <span className="font-mono text-xs break-all">{event.hash ?? "—"}</span>
        </Row>
        <Row label="Previous hash">
          <span className="font-mono text-xs break-all">{event.prevHash ?? "— (first of the chain)"}</span>
        </Row>
        <Row label="Stored">{dateTime(event.ingestedAt)}</Row>
      </Section>
    </div>
  );
}

function who(name: string | null, id: string | null): ReactNode {
  if (!name && !id) return "—";
  return (
    <>
      {name ?? id}
      {name && id && <span className="ml-1.5 font-mono text-xs text-slate-500">{id}</span>}
    </>
  );
}

function Section({
  title,
  note,
  action,
  children,
}: {
  title: string;
  note?: string;
  action?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section>
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
        {action}
      </div>
      {note && <p className="mb-2 text-xs text-slate-500">{note}</p>}
      <dl className="space-y-1">{children}</dl>
    </section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-2">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-slate-900">{children}</dd>
    </div>
  );
}
