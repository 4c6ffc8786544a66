"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { count, dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { StatusBadge } from "../ui/badge";
import { buttonClasses } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { Skeleton } from "../ui/spinner";
import { DataTable } from "../ui/table";

const COUNTS = [
  { key: "servers", label: "Servers", href: "/servers" },
  { key: "tools", label: "Tools", href: "/servers" },
  { key: "agents", label: "Agents", href: "/agents" },
  { key: "callsToday", label: "Calls today", href: "/history" },
  { key: "denialsToday", label: "Denials today", href: "/history" },
] as const;

export function OverviewView() {
  const trpc = useTRPC();
  const canAddServer = useCan("servers.write");
  // Health changes under our feet (worker probes, syncs): keep the page live.
  const overview = useQuery({ ...trpc.overview.get.queryOptions(), refetchInterval: 10_000 });

  return (
    <>
      <PageHeader
        title="Overview"
        description="Your MCP gateway at a glance. Counts of calls and denials since midnight UTC."
      />
      {overview.error && <ErrorState error={overview.error} className="mb-6" />}
      <dl className="mb-8 grid grid-cols-2 gap-4 md:grid-cols-5">
        {COUNTS.map((c) => (
          <div key={c.key} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{c.label}</dt>
            <dd className="mt-1 text-2xl font-semibold text-slate-900" data-testid={`count-${c.key}`}>
              {overview.data ? count(overview.data.counts[c.key]) : <Skeleton className="h-8 w-12" />}
            </dd>
          </div>
        ))}
      </dl>
      <h2 className="mb-3 text-sm font-semibold text-slate-900">Upstream health</h2>
      <DataTable
        label="Upstream servers"
        rows={overview.data?.servers}
        loading={overview.isPending && !overview.error}
        rowKey={(s) => s.id}
        empty={
          <EmptyState
            title="No servers yet"
            description="Add an upstream MCP server, sync its tools, then grant them to teams and agents."
            action={
              canAddServer ? (
                <Link href="/servers" className={buttonClasses("primary")}>
                  Add a server
                </Link>
              ) : undefined
            }
          />
        }
        columns={[
          {
            header: "Server",
            cell: (s) => (
              <Link href={`/servers/${s.id}`} className="font-medium text-indigo-700 hover:underline">
                {s.name}
              </Link>
            ),
          },
          { header: "Status", cell: (s) => <StatusBadge status={s.status} /> },
          { header: "Health", cell: (s) => <StatusBadge status={s.health} /> },
          {
            header: "Last sync",
            cell: (s) => <span title={dateTime(s.lastSyncAt)}>{timeAgo(s.lastSyncAt)}</span>,
          },
          {
            header: "Last error",
            className: "max-w-md",
            cell: (s) =>
              s.lastError ? (
                <span className="line-clamp-2 text-red-700" title={s.lastError}>
                  {s.lastError}
                </span>
              ) : (
                <span className="text-slate-400">—</span>
              ),
          },
        ]}
      />
    </>
  );
}
