"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { count, dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { StatusBadge } from "../ui/badge";
import { Button, buttonClasses } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Input, Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable, offsetPagination } from "../ui/table";
import { PAGE_SIZE, usePagedList } from "../ui/use-paged-list";
import { ImportMcpJsonDialog } from "./import-mcp-json-dialog";
import { TRANSPORT_LABELS } from "./transport-labels";

export function ServersView() {
  const trpc = useTRPC();
  const canWrite = useCan("servers.write");
  const list = usePagedList<"name" | "status" | "health" | "lastSyncAt">("name");
  const [status, setStatus] = useState<"" | "active" | "disabled">("");
  // Searched, sorted and paged by the database; health and sync state change under our
  // feet (worker jobs), so the page stays live.
  const servers = useQuery({
    ...trpc.servers.page.queryOptions({ ...list.input, ...(status && { status }) }),
    refetchInterval: 10_000,
    placeholderData: (previous) => previous,
  });
  const filtered = list.input.search !== undefined || status !== "";
  const [importing, setImporting] = useState(false);

  const actions = canWrite && (
    <>
      <Button variant="secondary" onClick={() => setImporting(true)}>
        Import mcp.json
      </Button>
      <Link href="/servers/new" className={buttonClasses("primary")}>
        Add server
      </Link>
    </>
  );
  return (
    <>
      <PageHeader
        title="Servers"
        description="The upstream MCP servers behind the gateway. Agents see their tools as <server>__<tool>, once granted."
        actions={actions}
      />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="w-80">
          <Input
            type="search"
            aria-label="Search servers"
            placeholder="Search by name, description or endpoint…"
            value={list.search}
            onChange={(e) => list.setSearch(e.target.value)}
          />
        </div>
        <div className="w-40">
          <Select
            aria-label="Status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as typeof status);
              list.resetPage();
            }}
            placeholder="Any status"
            options={[
              { value: "active", label: "Active" },
              { value: "disabled", label: "Disabled" },
            ]}
          />
        </div>
      </div>
      {servers.error ? (
        <ErrorState error={servers.error} />
      ) : (
        <DataTable
          label="Servers"
          rows={servers.data?.items}
          loading={servers.isPending}
          rowKey={(s) => s.id}
          sort={{ key: list.sort, order: list.order, onSort: (k) => list.toggleSort(k as typeof list.sort) }}
          pagination={offsetPagination(list, servers.data?.total, PAGE_SIZE, servers.isFetching)}
          empty={
            filtered ? (
              <EmptyState title="No server matches" description="Change the search or the status filter." />
            ) : (
              <EmptyState
                title="No servers yet"
                description="Add an upstream MCP server (Streamable HTTP, SSE or a local command), or import the ones your mcp.json lists."
                action={actions || undefined}
              />
            )
          }
          columns={[
            {
              header: "Server",
              sortKey: "name",
              cell: (s) => (
                <div>
                  <Link href={`/servers/${s.id}`} className="font-medium text-indigo-700 hover:underline">
                    {s.name}
                  </Link>
                  {s.description && <p className="line-clamp-1 text-xs text-slate-500">{s.description}</p>}
                </div>
              ),
            },
            { header: "Transport", cell: (s) => TRANSPORT_LABELS[s.transport] },
            {
              header: "Endpoint",
              className: "max-w-xs",
              cell: (s) => (
                <code
                  className="block truncate font-mono text-xs text-slate-600"
                  title={s.url ?? s.command ?? ""}
                >
                  {s.url ?? s.command}
                </code>
              ),
            },
            { header: "Status", sortKey: "status", cell: (s) => <StatusBadge status={s.status} /> },
            {
              header: "Health",
              sortKey: "health",
              cell: (s) => (
                <span title={s.lastError ?? undefined}>
                  <StatusBadge status={s.health} />
                </span>
              ),
            },
            { header: "Tools", className: "text-right", cell: (s) => count(s.toolCount) },
            {
              header: "Last sync",
              sortKey: "lastSyncAt",
              cell: (s) => <span title={dateTime(s.lastSyncAt)}>{timeAgo(s.lastSyncAt)}</span>,
            },
          ]}
        />
      )}
      <ImportMcpJsonDialog open={importing} onClose={() => setImporting(false)} />
    </>
  );
}
