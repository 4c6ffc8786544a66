"use client";

import { useQuery } from "@tanstack/react-query";
import { dateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { SkeletonRows } from "../ui/spinner";
import { ApprovalCard } from "./approval-card";
import { OUTCOME_TONE } from "./decided-list";

/**
 * The request a link pointed at (`/approvals?id=…`, e.g. from a team's webhook message):
 * still pending, its card, highlighted, whatever the queue's filter; decided, its outcome;
 * unknown (or another organization's), said so.
 */
export function FocusedApproval({ id, clockOffsetMs }: { id: string; clockOffsetMs: number }) {
  const trpc = useTRPC();
  const approval = useQuery(
    trpc.approvals.get.queryOptions(
      { id },
      {
        retry: false,
        // Follow a pending one live: someone else may decide it, or it may expire.
        refetchInterval: (query) => (query.state.data?.status === "pending" ? 1_000 : false),
      },
    ),
  );
  if (approval.error?.data?.code === "NOT_FOUND") {
    return (
      <EmptyState
        className="py-6"
        title="No such request"
        description={`There is no approval request ${id} in this organization.`}
      />
    );
  }
  if (approval.error) return <ErrorState error={approval.error} />;
  const item = approval.data;
  if (!item) return <SkeletonRows rows={1} label={`Loading approval ${id}…`} />;
  if (item.status === "pending") return <ApprovalCard item={item} clockOffsetMs={clockOffsetMs} focused />;
  return (
    <div
      role="status"
      data-testid="approval-outcome"
      className="rounded-lg border border-indigo-400 bg-white px-4 py-3 text-sm shadow-sm ring-2 ring-indigo-200"
    >
      <p className="text-slate-900">
        <span className="font-mono">{item.exposedName}</span> requested by {item.agent?.name ?? item.caller}
        {item.team && ` (team ${item.team.name})`}:{" "}
        <Badge tone={OUTCOME_TONE[item.status]}>{item.status}</Badge>
      </p>
      <p className="mt-1 text-xs text-slate-600">
        {item.status === "expired"
          ? `Nobody decided before it expired at ${dateTime(item.expiresAt)}.`
          : `Decided${item.decidedBy ? ` by ${item.decidedBy.email}` : ""} at ${dateTime(item.decidedAt)}.`}
        {item.comment && ` “${item.comment}”`}
      </p>
    </div>
  );
}
