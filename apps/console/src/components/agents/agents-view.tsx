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
import { Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { CreateAgentDialog } from "./create-agent-dialog";

export function AgentsView({ initialTeamId }: { initialTeamId: string }) {
  const trpc = useTRPC();
  const canWrite = useCan("agents.write");
  const [teamId, setTeamId] = useState(initialTeamId);
  const [creating, setCreating] = useState(false);
  const teams = useQuery(trpc.teams.list.queryOptions());
  const agents = useQuery(trpc.agents.list.queryOptions(teamId ? { teamId } : undefined));

  return (
    <>
      <PageHeader
        title="Agents"
        description="Service identities that call tools through the gateway, each owned by a team and authenticated by API keys."
        actions={canWrite && <Button onClick={() => setCreating(true)}>New agent</Button>}
      />
      <div className="mb-4 w-64">
        <Field label="Team">
          <Select
            value={teamId}
            onChange={(e) => setTeamId(e.target.value)}
            placeholder="All teams"
            options={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
          />
        </Field>
      </div>
      {agents.error ? (
        <ErrorState error={agents.error} />
      ) : (
        <DataTable
          label="Agents"
          rows={agents.data}
          rowKey={(a) => a.id}
          empty={
            <EmptyState
              title={teamId ? "No agents in this team" : "No agents yet"}
              description="Create an agent, give it an API key, and grant its team (or the agent itself) the tools it needs."
              action={canWrite && <Button onClick={() => setCreating(true)}>New agent</Button>}
            />
          }
          columns={[
            {
              header: "Agent",
              cell: (a) => (
                <div>
                  <Link href={`/agents/${a.id}`} className="font-medium text-indigo-700 hover:underline">
                    {a.name}
                  </Link>
                  {a.description && <p className="text-xs text-slate-500">{a.description}</p>}
                </div>
              ),
            },
            { header: "Team", cell: (a) => a.teamName },
            { header: "Status", cell: (a) => <StatusBadge status={a.status} /> },
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
