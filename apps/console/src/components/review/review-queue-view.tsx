"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Input } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable, offsetPagination } from "../ui/table";
import { PAGE_SIZE, usePagedList } from "../ui/use-paged-list";
import { ReasonBadges } from "./reasons";

/** The queue of quarantined and flagged tools. */
export function ReviewQueueView() {
  const trpc = useTRPC();
  // The list's order is fixed (quarantined first, newest first); only search and page change.
  const list = usePagedList("updatedAt");
  const queue = useQuery({
    ...trpc.review.list.queryOptions({ search: list.input.search, offset: list.offset, limit: PAGE_SIZE }),
    placeholderData: (previous) => previous,
  });

  return (
    <>
      <PageHeader
        title="Tool review"
        description="Tools whose definition changed since it was approved, new tools a server listed after its first sync (unless it trusts new tools), tools whose description carries prompt-injection markers, or whose name another server also uses. Quarantined tools are hidden from every agent until approved."
      />
      <div className="mb-4">
        <div className="w-80">
          <Input
            type="search"
            aria-label="Search tools to review"
            placeholder="Search by tool name…"
            value={list.search}
            onChange={(e) => list.setSearch(e.target.value)}
          />
        </div>
      </div>
      {queue.data && queue.data.items.length > 0 && (
        <p className="mb-3 text-sm text-slate-600" aria-live="polite">
          {queue.data.total} {queue.data.total === 1 ? "tool waits" : "tools wait"} for review, quarantined
          ones first
        </p>
      )}
      {queue.error ? (
        <ErrorState error={queue.error} />
      ) : (
        <DataTable
          label="Tools to review"
          rows={queue.data?.items}
          rowKey={(t) => t.id}
          pagination={offsetPagination(list, queue.data?.total, PAGE_SIZE, queue.isFetching)}
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
