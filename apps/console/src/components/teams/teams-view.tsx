"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { EmptyState } from "../ui/empty-state";
import { ErrorState, errorMessage } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";
import { CreateTeamDialog } from "./create-team-dialog";
import { TeamMembersDialog } from "./team-members-dialog";

export function TeamsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("teams.write");
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [membersOf, setMembersOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const remove = useMutation(
    trpc.teams.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Team ${deleting?.name} deleted`);
        setDeleting(null);
        await queryClient.invalidateQueries({ queryKey: trpc.teams.list.queryKey() });
      },
    }),
  );
  // Read the open team from the live list so the dialog shows additions at once.
  const openTeam = teams.data?.find((t) => t.id === membersOf) ?? null;

  return (
    <>
      <PageHeader
        title="Teams"
        description="Groups of people that own agents. Grants to a team apply to every agent in it."
        actions={canWrite && <Button onClick={() => setCreating(true)}>New team</Button>}
      />
      {teams.error ? (
        <ErrorState error={teams.error} />
      ) : (
        <DataTable
          label="Teams"
          rows={teams.data}
          rowKey={(t) => t.id}
          empty={
            <EmptyState
              title="No teams yet"
              description="Create a team, add people to it, then create agents that belong to it."
              action={canWrite && <Button onClick={() => setCreating(true)}>New team</Button>}
            />
          }
          columns={[
            {
              header: "Team",
              cell: (t) => (
                <div>
                  <p className="font-medium text-slate-900">{t.name}</p>
                  {t.description && <p className="text-xs text-slate-500">{t.description}</p>}
                </div>
              ),
            },
            {
              header: "Members",
              cell: (t) => (
                <span title={t.members.map((m) => m.email).join(", ")}>
                  {t.memberCount} {t.memberCount === 1 ? "person" : "people"}
                </span>
              ),
            },
            {
              header: "Agents",
              cell: (t) => (
                <Link href={`/agents?team=${t.id}`} className="text-indigo-700 hover:underline">
                  {t.agentCount} {t.agentCount === 1 ? "agent" : "agents"}
                </Link>
              ),
            },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (t) => (
                <div className="flex justify-end gap-2">
                  <Button
                    variant="secondary"
                    size="sm"
                    onClick={() => setMembersOf(t.id)}
                    aria-label={`Members of ${t.name}`}
                  >
                    Members
                  </Button>
                  {canWrite && (
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => {
                        remove.reset();
                        setDeleting({ id: t.id, name: t.name });
                      }}
                      aria-label={`Delete team ${t.name}`}
                    >
                      Delete
                    </Button>
                  )}
                </div>
              ),
            },
          ]}
        />
      )}
      <CreateTeamDialog open={creating} onClose={() => setCreating(false)} />
      <TeamMembersDialog team={openTeam} onClose={() => setMembersOf(null)} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        title={`Delete team ${deleting?.name ?? ""}?`}
        message="Its grants are deleted with it. A team that still owns agents cannot be deleted: move or delete them first."
        confirmLabel="Delete team"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}
