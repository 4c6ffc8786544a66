"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { ReasonBadges } from "./reasons";

/** The queue of quarantined and flagged tools. */
export function ReviewQueueView() {
  const trpc = useTRPC();
  const queue = useQuery(trpc.review.list.queryOptions());
  const quarantined = queue.data?.items.filter((t) => t.status === "quarantined").length ?? 0;

  return (
    <>
      <PageHeader
        title="Tool review"
        description="Tools whose definition changed since it was approved, whose description carries prompt-injection markers, or whose name another server also uses. Quarantined tools are hidden from every agent until approved."
      />
      {queue.data && queue.data.items.length > 0 && (
        <p className="mb-3 text-sm text-slate-600" aria-live="polite">
          {quarantined} quarantined · {queue.data.total - quarantined} flagged
          {queue.data.total > queue.data.items.length &&
            ` · showing ${queue.data.items.length} of ${queue.data.total}`}
        </p>
      )}
      {queue.error ? (
        <ErrorState error={queue.error} />
      ) : (
        <DataTable
          label="Tools to review"
          rows={queue.data?.items}
          rowKey={(t) => t.id}
          empty={
            <EmptyState
              title="Nothing to review"
              description="Every tool's definition is the one an admin approved, and no description carries injection markers."
            />
          }
          columns={[
            {
              header: "Tool",
              cell: (t) => (
                <Link
                  href={`/review/${t.id}`}
                  className="font-mono font-medium text-indigo-700 hover:underline"
                >
                  {t.exposedName}
                </Link>
              ),
            },
            { header: "Server", cell: (t) => t.serverName },
            { header: "Status", cell: (t) => <StatusBadge status={t.status} /> },
            { header: "Why", cell: (t) => <ReasonBadges reasons={t.reasons} /> },
            {
              header: "Changed",
              cell: (t) => <span title={dateTime(t.updatedAt)}>{timeAgo(t.updatedAt)}</span>,
            },
          ]}
        />
      )}
    </>
  );
}
