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
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { ImportMcpJsonDialog } from "./import-mcp-json-dialog";
import { TRANSPORT_LABELS } from "./transport-labels";

export function ServersView() {
  const trpc = useTRPC();
  const canWrite = useCan("servers.write");
  // Health and sync state change under our feet (worker jobs): keep the list live.
  const servers = useQuery({ ...trpc.servers.list.queryOptions(), refetchInterval: 10_000 });
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
      {servers.error ? (
        <ErrorState error={servers.error} />
      ) : (
        <DataTable
          label="Servers"
          rows={servers.data}
          loading={servers.isPending}
          rowKey={(s) => s.id}
          empty={
            <EmptyState
              title="No servers yet"
              description="Add an upstream MCP server (Streamable HTTP, SSE or a local command), or import the ones your mcp.json lists."
              action={actions || undefined}
            />
          }
          columns={[
            {
              header: "Server",
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
            { header: "Status", cell: (s) => <StatusBadge status={s.status} /> },
            {
              header: "Health",
              cell: (s) => (
                <span title={s.lastError ?? undefined}>
                  <StatusBadge status={s.health} />
                </span>
              ),
            },
            { header: "Tools", className: "text-right", cell: (s) => count(s.toolCount) },
            {
              header: "Last sync",
              cell: (s) => <span title={dateTime(s.lastSyncAt)}>{timeAgo(s.lastSyncAt)}</span>,
            },
          ]}
        />
      )}
      <ImportMcpJsonDialog open={importing} onClose={() => setImporting(false)} />
    </>
  );
}
