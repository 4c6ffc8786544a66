"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { StatusBadge } from "../ui/badge";
import { Button, buttonClasses } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { ErrorState, errorMessage } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { useToast } from "../ui/toast";
import { AgentExposure } from "./agent-exposure";
import { AgentKeys } from "./agent-keys";

export function AgentDetailView({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const canWrite = useCan("agents.write");
  const canSeeGrants = useCan("grants.read");
  const agent = useQuery(trpc.agents.get.queryOptions({ id: agentId }));
  const [deleting, setDeleting] = useState(false);
  // Every agents.* query (this agent, the list, the team filter) reflects a status change.
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
  const setStatus = useMutation(
    trpc.agents.setStatus.mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.status === "active" ? "Agent enabled" : "Agent disabled: its keys are refused");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.agents.delete.mutationOptions({
      onSuccess: async () => {
        toast.success("Agent deleted");
        // Leave first: refetching this (now missing) agent would flash "not found".
        router.push("/agents");
        await queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
      },
    }),
  );

  if (agent.error) {
    return (
      <>
        <PageHeader title="Agent" />
        <ErrorState error={agent.error} />
        <Link href="/agents" className={`${buttonClasses("secondary")} mt-4`}>
          Back to agents
        </Link>
      </>
    );
  }
  if (!agent.data) return <SkeletonRows rows={4} label="Loading the agent…" />;
  const a = agent.data;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/agents" className="hover:underline">
          Agents
        </Link>{" "}
        / {a.name}
      </nav>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {a.name} <StatusBadge status={a.status} />
          </span>
        }
        description={a.description ?? `Owned by team ${a.teamName}.`}
        actions={
          <>
            {canSeeGrants && (
              <Link href={`/grants?agent=${a.id}`} className={buttonClasses("secondary")}>
                What can it see?
              </Link>
            )}
            {canWrite && (
              <Button
                variant="secondary"
                loading={setStatus.isPending}
                onClick={() =>
                  setStatus.mutate({ id: a.id, status: a.status === "active" ? "disabled" : "active" })
                }
              >
                {a.status === "active" ? "Disable" : "Enable"}
              </Button>
            )}
            {canWrite && (
              <Button variant="danger" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            )}
          </>
        }
      />
      <dl className="mb-6 grid grid-cols-2 gap-4 text-sm md:grid-cols-4">
        <div>
          <dt className="text-slate-500">Team</dt>
          <dd className="font-medium">
            <Link href={`/agents?team=${a.teamId}`} className="text-indigo-700 hover:underline">
              {a.teamName}
            </Link>
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Keys</dt>
          <dd className="font-medium">{a.keyCount}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Last used</dt>
          <dd className="font-medium" title={dateTime(a.lastUsedAt)}>
            {timeAgo(a.lastUsedAt)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Created</dt>
          <dd className="font-medium">{dateTime(a.createdAt)}</dd>
        </div>
      </dl>
      <AgentExposure agentId={a.id} />
      <AgentKeys agentId={a.id} agentName={a.name} />
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate({ id: a.id })}
        title={`Delete agent ${a.name}?`}
        message="Its keys stop working within a second and its grants are deleted. This cannot be undone."
        confirmLabel="Delete agent"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}
