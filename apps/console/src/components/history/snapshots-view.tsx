"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { DataTable, useCursorPagination } from "../ui/table";

/** Every published config snapshot, newest first, with this organization's changes in it. */
export function SnapshotsView() {
  const trpc = useTRPC();
  const { cursor, paginationProps } = useCursorPagination<number>();
  const snapshots = useQuery({
    ...trpc.history.snapshots.queryOptions(cursor === undefined ? {} : { cursor }),
    placeholderData: keepPreviousData,
  });
  if (snapshots.error) return <ErrorState error={snapshots.error} />;
  return (
    <DataTable
      label="Config versions"
      rows={snapshots.data?.items}
      loading={snapshots.isPending}
      rowKey={(s) => String(s.version)}
      pagination={paginationProps(snapshots.data?.nextCursor, snapshots.isFetching)}
      empty={
        <EmptyState
          title="No configuration published yet"
          description="Every change made here or with `portcullis apply` publishes a new version to the gateways."
        />
      }
      columns={[
        {
          header: "Version",
          cell: (s) => <span className="font-mono font-semibold">v{s.version}</span>,
        },
        {
          header: "Published",
          cell: (s) => <span title={dateTime(s.createdAt)}>{timeAgo(s.createdAt)}</span>,
        },
        { header: "By", cell: (s) => s.createdBy ?? <span className="text-slate-400">—</span> },
        {
          header: "Summary",
          className: "max-w-md",
          cell: (s) => s.summary ?? <span className="text-slate-400">No change in this organization</span>,
        },
        {
          header: "Changes",
          className: "max-w-md",
          cell: (s) =>
            s.changeCount === 0 ? (
              <span className="text-slate-400">—</span>
            ) : (
              <ul className="space-y-0.5 text-xs">
                {s.changes.map((c) => (
                  <li key={c.id} className="flex flex-wrap items-center gap-1.5">
                    <Badge>{c.action}</Badge>
                    {c.name && <span className="font-mono">{c.name}</span>}
                    {c.actorName && <span className="text-slate-500">by {c.actorName}</span>}
                  </li>
                ))}
                {s.changeCount > s.changes.length && (
                  <li className="text-slate-500">and {s.changeCount - s.changes.length} more</li>
                )}
              </ul>
            ),
        },
      ]}
    />
  );
}
