"use client";

import { useQuery } from "@tanstack/react-query";
import { dateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge, type BadgeTone, statusTone } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { DataTable, useCursorPagination } from "../ui/table";
import type { ApprovalItem } from "./types";

export const OUTCOME_TONE: Record<ApprovalItem["status"], BadgeTone> = {
  pending: "neutral",
  approved: "green",
  executed: "green",
  denied: "red",
  expired: "yellow",
};

/** Decided, expired and executed requests, newest first. */
export function DecidedList() {
  const trpc = useTRPC();
  const { cursor, paginationProps } = useCursorPagination();
  const decided = useQuery(
    trpc.approvals.list.queryOptions({ status: "decided", cursor, limit: 20 }, { refetchInterval: 5_000 }),
  );
  if (decided.error) return <ErrorState error={decided.error} />;
  return (
    <DataTable
      label="Decided requests"
      rows={decided.data?.items}
      rowKey={(r) => r.id}
      empty={<EmptyState title="Nothing decided yet" />}
      pagination={paginationProps(decided.data?.nextCursor, decided.isFetching)}
      columns={[
        {
          header: "Call",
          cell: (r) => (
            <div>
              <p className="font-mono text-xs text-slate-900">{r.exposedName}</p>
              <p className="text-xs text-slate-500">
                {r.agent ? r.agent.name : r.caller}
                {r.agent && r.requester && ` for ${r.requester.email}`}
              </p>
            </div>
          ),
        },
        { header: "Risk", cell: (r) => <Badge tone={statusTone(r.riskClass)}>{r.riskClass}</Badge> },
        {
          header: "Outcome",
          cell: (r) => <Badge tone={OUTCOME_TONE[r.status]}>{r.status}</Badge>,
        },
        {
          header: "By",
          cell: (r) => (
            <div className="text-xs">
              <p>{r.decidedBy?.email ?? (r.status === "expired" ? "nobody in time" : "—")}</p>
              {r.comment && <p className="text-slate-500">“{r.comment}”</p>}
            </div>
          ),
        },
        {
          header: "When",
          cell: (r) => <span className="text-xs">{dateTime(r.decidedAt ?? r.expiresAt)}</span>,
        },
      ]}
    />
  );
}
