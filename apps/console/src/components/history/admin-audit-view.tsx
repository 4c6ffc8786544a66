"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { DataTable, useCursorPagination } from "../ui/table";

const TARGET_TYPES = [
  "server",
  "tool",
  "tool_risk",
  "team",
  "agent",
  "api_key",
  "grant",
  "user",
  "invitation",
  "organization",
].map((t) => ({ value: t, label: t }));

const ACTIONS = [
  { value: "server.", label: "server.* (any)" },
  { value: "server.catalog_sync", label: "server.catalog_sync" },
  { value: "tool.", label: "tool.*" },
  { value: "tool_risk.", label: "tool_risk.*" },
  { value: "team.", label: "team.*" },
  { value: "team_member.", label: "team_member.*" },
  { value: "agent.", label: "agent.*" },
  { value: "api_key.", label: "api_key.*" },
  { value: "grant.", label: "grant.*" },
  { value: "member.", label: "member.*" },
  { value: "invitation.", label: "invitation.*" },
];

function detailsName(details: unknown): string | null {
  if (details === null || typeof details !== "object") return null;
  const d = details as Record<string, unknown>;
  const name = d.name ?? d.email ?? d.agent;
  return typeof name === "string" ? name : null;
}

/** Who changed what in the control plane (console, CLI, worker), newest first, 50 a page. */
export function AdminAuditView({ initialTargetId }: { initialTargetId?: string }) {
  const trpc = useTRPC();
  const [action, setAction] = useState("");
  const [targetType, setTargetType] = useState("");
  const [targetId, setTargetId] = useState(initialTargetId ?? "");
  const { cursor, reset, paginationProps } = useCursorPagination();
  const rows = useQuery({
    ...trpc.history.adminAudit.queryOptions({
      ...(action && { action }),
      ...(targetType && { targetType }),
      ...(targetId && { targetId }),
      ...(cursor && { cursor }),
    }),
    placeholderData: keepPreviousData,
  });
  const filter = (apply: () => void) => {
    apply();
    reset();
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Action" className="w-56">
          <Select
            value={action}
            placeholder="Any action"
            options={ACTIONS}
            onChange={(e) => filter(() => setAction(e.target.value))}
          />
        </Field>
        <Field label="Target type" className="w-48">
          <Select
            value={targetType}
            placeholder="Any target"
            options={TARGET_TYPES}
            onChange={(e) => filter(() => setTargetType(e.target.value))}
          />
        </Field>
        {targetId && (
          <div className="flex items-center gap-2 pb-1 text-sm text-slate-700">
            <span>
              Only <code className="font-mono text-xs">{targetId}</code>
            </span>
            <Button variant="ghost" size="sm" onClick={() => filter(() => setTargetId(""))}>
              Show all
            </Button>
          </div>
        )}
      </div>
      {rows.error ? (
        <ErrorState error={rows.error} />
      ) : (
        <DataTable
          label="Admin audit log"
          rows={rows.data?.items}
          loading={rows.isPending}
          rowKey={(r) => r.id}
          pagination={paginationProps(rows.data?.nextCursor, rows.isFetching)}
          empty={
            <EmptyState
              title={action || targetType || targetId ? "No entry matches" : "No changes yet"}
              description="Every change to the configuration is logged here, in the same transaction as the change."
            />
          }
          columns={[
            {
              header: "When",
              cell: (r) => (
                <span title={dateTime(r.createdAt)} className="whitespace-nowrap">
                  {timeAgo(r.createdAt)}
                </span>
              ),
            },
            {
              header: "Who",
              cell: (r) => (
                <span>
                  {r.actorName ?? r.actorType}
                  {r.actorType !== "user" && (
                    <span className="ml-1 text-xs text-slate-500">({r.actorType})</span>
                  )}
                </span>
              ),
            },
            { header: "Action", cell: (r) => <Badge>{r.action}</Badge> },
            {
              header: "Target",
              cell: (r) => (
                <span>
                  <span className="text-xs text-slate-500">{r.targetType}</span>{" "}
                  <span className="font-mono text-xs">{detailsName(r.details) ?? r.targetId ?? "—"}</span>
                </span>
              ),
            },
            {
              header: "Details",
              className: "max-w-md",
              cell: (r) =>
                r.details === null || r.details === undefined ? (
                  <span className="text-slate-400">—</span>
                ) : (
                  <details>
                    <summary className="cursor-pointer text-xs text-indigo-700">Show</summary>
                    <pre className="mt-1 max-h-60 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap">
                      {JSON.stringify(r.details, null, 2)}
                    </pre>
                  </details>
                ),
            },
          ]}
        />
      )}
    </div>
  );
}
