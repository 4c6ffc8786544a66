"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { count } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { DataTable, useCursorPagination } from "../ui/table";
import { RiskBadge } from "./risk-badge";
import { useDebounced } from "./use-debounced";

type Status = "active" | "disabled" | "quarantined" | "removed";
const STATUSES: Array<{ value: Status; label: string }> = [
  { value: "active", label: "Active" },
  { value: "disabled", label: "Disabled" },
  { value: "quarantined", label: "Quarantined (definition changed)" },
  { value: "removed", label: "Removed upstream" },
];

/** A server's tools, 50 a page, searchable: stays fast with a thousand of them. */
export function ServerToolsTable({ serverId }: { serverId: string }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const debounced = useDebounced(search.trim());
  const { cursor, reset, paginationProps } = useCursorPagination();
  const tools = useQuery({
    ...trpc.tools.list.queryOptions({
      serverId,
      ...(debounced && { search: debounced }),
      ...(status && { status }),
      ...(cursor && { cursor }),
    }),
    placeholderData: keepPreviousData,
  });

  return (
    <section aria-labelledby="tools-heading" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="tools-heading" className="text-sm font-semibold text-slate-900">
          Tools{" "}
          {tools.data && <span className="font-normal text-slate-500">({count(tools.data.total)})</span>}
        </h2>
        <div className="flex flex-wrap gap-3">
          <Field label="Search tools" className="w-64">
            <Input
              type="search"
              value={search}
              placeholder="Name or description"
              onChange={(e) => {
                setSearch(e.target.value);
                reset();
              }}
            />
          </Field>
          <Field label="Status" className="w-56">
            <Select
              value={status}
              placeholder="Any status"
              options={STATUSES}
              onChange={(e) => {
                setStatus(e.target.value as Status | "");
                reset();
              }}
            />
          </Field>
        </div>
      </div>
      {tools.error ? (
        <ErrorState error={tools.error} />
      ) : (
        <DataTable
          label="Tools"
          rows={tools.data?.items}
          loading={tools.isPending}
          rowKey={(t) => t.id}
          pagination={paginationProps(tools.data?.nextCursor, tools.isFetching)}
          empty={
            debounced || status ? (
              <EmptyState title="No tool matches" description="Try another search or status." />
            ) : (
              <EmptyState
                title="No tools yet"
                description="Sync the catalog to list the tools this server offers."
              />
            )
          }
          columns={[
            {
              header: "Tool",
              cell: (t) => (
                <div className="min-w-48">
                  <Link
                    href={`/servers/${serverId}/tools/${t.id}`}
                    className="font-mono text-sm font-medium text-indigo-700 hover:underline"
                  >
                    {t.upstreamName}
                  </Link>
                  {t.title && <p className="text-xs text-slate-500">{t.title}</p>}
                </div>
              ),
            },
            {
              header: "Description",
              className: "max-w-xl",
              cell: (t) => (
                <span className="line-clamp-2 text-slate-600" title={t.description ?? undefined}>
                  {t.description ?? "—"}
                </span>
              ),
            },
            {
              header: "Risk",
              cell: (t) => <RiskBadge risk={t.riskClass} overridden={t.riskOverride !== null} />,
            },
            { header: "Status", cell: (t) => <StatusBadge status={t.status} /> },
          ]}
        />
      )}
    </section>
  );
}
