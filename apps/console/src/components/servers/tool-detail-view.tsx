"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { dateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge, StatusBadge } from "../ui/badge";
import { Button, buttonClasses } from "../ui/button";
import { Card } from "../ui/card";
import { ErrorState, errorMessage } from "../ui/error-state";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { useToast } from "../ui/toast";
import { JsonSchemaViewer } from "./json-schema-viewer";
import { RiskBadge } from "./risk-badge";

const HINTS: Array<{ key: string; label: string }> = [
  { key: "readOnlyHint", label: "Read-only" },
  { key: "destructiveHint", label: "Destructive" },
  { key: "idempotentHint", label: "Idempotent" },
  { key: "openWorldHint", label: "Open world" },
];

type Risk = "read" | "write" | "destructive";

export function ToolDetailView({ serverId, toolId }: { serverId: string; toolId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("tools.write");
  const tool = useQuery(trpc.tools.get.queryOptions({ id: toolId }));
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.tools.get.queryKey({ id: toolId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.tools.list.queryKey() }),
    ]);
  const setRisk = useMutation(
    trpc.tools.setRisk.mutationOptions({
      onSuccess: async () => {
        toast.success("Risk class saved; gateways apply it within a second");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const setStatus = useMutation(
    trpc.tools.setStatus.mutationOptions({
      onSuccess: async (_r, input) => {
        toast.success(input.status === "disabled" ? "Tool disabled: agents no longer see it" : "Tool active");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );

  if (tool.error) {
    return (
      <>
        <PageHeader title="Tool" />
        <ErrorState error={tool.error} />
        <Link href={`/servers/${serverId}`} className={`${buttonClasses("secondary")} mt-4`}>
          Back to the server
        </Link>
      </>
    );
  }
  if (!tool.data) return <SkeletonRows rows={5} label="Loading the tool…" />;
  const t = tool.data;
  const annotations = t.annotations ?? {};
  // Enabling never approves a definition: that is done on the review page, against the diff.
  const awaitsReview = t.status !== "removed" && t.approvedHash !== t.definitionHash;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/servers" className="hover:underline">
          Servers
        </Link>{" "}
        /{" "}
        <Link href={`/servers/${t.serverId}`} className="hover:underline">
          {t.serverName}
        </Link>{" "}
        / {t.upstreamName}
      </nav>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            <span className="font-mono">{t.exposedName}</span> <StatusBadge status={t.status} />
          </span>
        }
        description={t.title ?? undefined}
        actions={
          canWrite &&
          t.status !== "removed" && (
            <>
              {t.status !== "disabled" && (
                <Button
                  variant="secondary"
                  loading={setStatus.isPending}
                  onClick={() => setStatus.mutate({ id: t.id, status: "disabled" })}
                >
                  Disable tool
                </Button>
              )}
              {awaitsReview ? (
                <Link href={`/review/${t.id}`} className={buttonClasses("primary")}>
                  Review definition
                </Link>
              ) : (
                t.status === "disabled" && (
                  <Button
                    loading={setStatus.isPending}
                    onClick={() => setStatus.mutate({ id: t.id, status: "active" })}
                  >
                    Enable tool
                  </Button>
                )
              )}
            </>
          )
        }
      />
      {t.status === "quarantined" && (
        <p
          role="status"
          className="mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900"
        >
          This tool&apos;s definition has not been approved (it changed since the last approval, or carries
          suspicious markers), so gateways hide it. Open <strong>Review definition</strong> to compare it with
          the approved one and approve it.
        </p>
      )}
      {t.status === "removed" && (
        <p
          role="status"
          className="mb-4 rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700"
        >
          The server no longer lists this tool. It is kept so grants and the audit log keep their meaning.
        </p>
      )}

      <div className="mb-6 grid gap-4 lg:grid-cols-3">
        <Card title="Description" className="lg:col-span-2">
          <p className="text-sm whitespace-pre-wrap text-slate-800">{t.description ?? "No description."}</p>
          <dl className="mt-4 grid grid-cols-2 gap-3 text-sm">
            <div>
              <dt className="text-slate-500">Upstream name</dt>
              <dd className="font-mono">{t.upstreamName}</dd>
            </div>
            <div>
              <dt className="text-slate-500">First seen</dt>
              <dd>{dateTime(t.firstSeenAt)}</dd>
            </div>
          </dl>
        </Card>
        <Card title="Risk">
          <div className="space-y-4 text-sm">
            <div className="flex items-center gap-2">
              <span className="text-slate-500">Applied:</span>
              <RiskBadge risk={t.riskClass} overridden={t.riskOverride !== null} />
            </div>
            <div>
              <p className="mb-1 text-slate-500">Annotations (hints from the server)</p>
              <ul className="flex flex-wrap gap-1.5" aria-label="Annotations">
                {HINTS.map((h) => (
                  <li key={h.key}>
                    <Badge tone={annotations[h.key] === true ? "blue" : "neutral"}>
                      {h.label}: {annotations[h.key] === undefined ? "not set" : String(annotations[h.key])}
                    </Badge>
                  </li>
                ))}
              </ul>
            </div>
            <Field
              label="Risk class"
              hint={`Derived from annotations: ${t.derivedRisk}. An admin's choice wins.`}
            >
              <Select
                value={t.riskOverride ?? ""}
                disabled={!canWrite || setRisk.isPending}
                onChange={(e) => setRisk.mutate({ id: t.id, risk: (e.target.value || null) as Risk | null })}
                options={[
                  { value: "", label: `From annotations (${t.derivedRisk})` },
                  { value: "read", label: "read" },
                  { value: "write", label: "write" },
                  { value: "destructive", label: "destructive" },
                ]}
              />
            </Field>
          </div>
        </Card>
      </div>

      <Card title="Schemas">
        <div className="space-y-6">
          <JsonSchemaViewer title="Input schema" schema={t.inputSchema} />
          {t.outputSchema && <JsonSchemaViewer title="Output schema" schema={t.outputSchema} />}
        </div>
      </Card>
    </>
  );
}
