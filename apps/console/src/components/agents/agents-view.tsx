"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable, offsetPagination } from "../ui/table";
import { PAGE_SIZE, usePagedList } from "../ui/use-paged-list";
import { CreateAgentDialog } from "./create-agent-dialog";

export function AgentsView({ initialTeamId }: { initialTeamId: string }) {
  const trpc = useTRPC();
  const canWrite = useCan("agents.write");
  const [teamId, setTeamId] = useState(initialTeamId);
  const [creating, setCreating] = useState(false);
  const teams = useQuery(trpc.teams.list.queryOptions());
  const list = usePagedList<"name" | "team" | "status" | "createdAt">("name");
  const agents = useQuery({
    ...trpc.agents.page.queryOptions({ ...list.input, ...(teamId && { teamId }) }),
    placeholderData: (previous) => previous,
  });

  return (
    <>
      <PageHeader
        title="Agents"
        description="Service identities that call tools through the gateway, each owned by a team and authenticated by API keys."
        actions={canWrite && <Button onClick={() => setCreating(true)}>New agent</Button>}
      />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="w-64">
          <Field label="Team">
            <Select
              value={teamId}
              onChange={(e) => {
                setTeamId(e.target.value);
                list.resetPage();
              }}
              placeholder="All teams"
              options={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
            />
          </Field>
        </div>
        <div className="w-72">
          <Input
            type="search"
            aria-label="Search agents"
            placeholder="Search by name or description…"
            value={list.search}
            onChange={(e) => list.setSearch(e.target.value)}
          />
        </div>
      </div>
      {agents.error ? (
        <ErrorState error={agents.error} />
      ) : (
        <DataTable
          label="Agents"
          rows={agents.data?.items}
          rowKey={(a) => a.id}
          sort={{ key: list.sort, order: list.order, onSort: (k) => list.toggleSort(k as typeof list.sort) }}
          pagination={offsetPagination(list, agents.data?.total, PAGE_SIZE, agents.isFetching)}
          empty={
            <EmptyState
              title={
                list.input.search ? "No agent matches" : teamId ? "No agents in this team" : "No agents yet"
              }
              description="Create an agent, give it an API key, and grant its team (or the agent itself) the tools it needs."
              action={canWrite && <Button onClick={() => setCreating(true)}>New agent</Button>}
            />
          }
          columns={[
            {
              header: "Agent",
              sortKey: "name",
              cell: (a) => (
                <div>
                  <Link href={`/agents/${a.id}`} className="font-medium text-indigo-700 hover:underline">
                    {a.name}
                  </Link>
                  {a.description && <p className="text-xs text-slate-500">{a.description}</p>}
                </div>
              ),
            },
            { header: "Team", sortKey: "team", cell: (a) => a.teamName },
            { header: "Status", sortKey: "status", cell: (a) => <StatusBadge status={a.status} /> },
            { header: "Keys", cell: (a) => a.keyCount },
            {
              header: "Last used",
              cell: (a) => <span title={dateTime(a.lastUsedAt)}>{timeAgo(a.lastUsedAt)}</span>,
            },
          ]}
        />
      )}
      {creating && (
        <CreateAgentDialog open onClose={() => setCreating(false)} defaultTeamId={teamId || undefined} />
      )}
    </>
  );
}
