"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { buttonClasses } from "../ui/button";
import { Card } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { AgentItemPreview } from "./agent-item-preview";
import { AgentPreview } from "./agent-preview";
import { subjectsOf } from "./grant-model";
import { GrantsMatrix } from "./grants-matrix";
import { ServerItemGrants } from "./server-item-grants";
import { ServerToolGrants } from "./server-tool-grants";
import { useGrantEditor } from "./use-grant-editor";

/**
 * The grants matrix (teams and agents × servers, then × the tools of one server) and the
 * "what can this agent see?" preview. The selected server and agent live in the URL
 * (`?server=…&agent=…`), so a link can open either.
 */
export function GrantsView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const canWrite = useCan("grants.write");
  const teams = useQuery(trpc.teams.list.queryOptions());
  const agents = useQuery(trpc.agents.list.queryOptions());
  const servers = useQuery(trpc.servers.list.queryOptions());
  const grants = useQuery(trpc.grants.list.queryOptions());
  const editor = useGrantEditor(grants.data);

  const selectedServerId = params.get("server");
  const agentId = params.get("agent") ?? "";
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}?${next}`, { scroll: false });
  };

  const error = teams.error ?? agents.error ?? servers.error ?? grants.error;
  const loaded = teams.data && agents.data && servers.data && grants.data;
  const subjects = loaded ? subjectsOf(teams.data, agents.data) : [];
  const selectedServer = servers.data?.find((s) => s.id === selectedServerId);

  return (
    <>
      <PageHeader
        title="Grants"
        description="Who may call which tools and read which resources and prompts. Default deny; when several rules match, the most restrictive wins (deny, then requires approval, then allow)."
      />
      {!canWrite && (
        <p
          role="note"
          className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
        >
          Read-only: changing grants needs the <code>grants.write</code> permission.
        </p>
      )}
      {error ? (
        <ErrorState error={error} />
      ) : !loaded ? (
        <SkeletonRows rows={5} label="Loading grants…" />
      ) : servers.data.length === 0 || subjects.length === 0 ? (
        <EmptyState
          title={servers.data.length === 0 ? "No servers to grant yet" : "No teams or agents yet"}
          description="Grants give teams and agents access to the tools of servers."
          action={
            <Link
              href={servers.data.length === 0 ? "/servers" : "/teams"}
              className={buttonClasses("primary")}
            >
              {servers.data.length === 0 ? "Add a server" : "Create a team"}
            </Link>
          }
        />
      ) : (
        <div className="space-y-6">
          <Card title="Access by server">
            <GrantsMatrix
              subjects={subjects}
              servers={servers.data}
              grants={grants.data}
              editor={editor}
              canWrite={canWrite}
              selectedServerId={selectedServerId}
              onSelectServer={(id) => setParam("server", id === selectedServerId ? null : id)}
            />
          </Card>
          {selectedServer && (
            <Card title={`Tools of ${selectedServer.name}`}>
              <ServerToolGrants
                server={selectedServer}
                subjects={subjects}
                grants={grants.data}
                editor={editor}
                canWrite={canWrite}
              />
            </Card>
          )}
          {selectedServer && (
            <Card title={`Resources and prompts of ${selectedServer.name}`}>
              <ServerItemGrants server={selectedServer} subjects={subjects} canWrite={canWrite} />
            </Card>
          )}
          <Card title="What can this agent see?">
            <AgentPreview
              agents={agents.data}
              agentId={agentId}
              onAgentChange={(id) => setParam("agent", id || null)}
            />
            {agentId !== "" && (
              <div className="mt-6">
                <AgentItemPreview
                  agentId={agentId}
                  agentName={agents.data.find((a) => a.id === agentId)?.name ?? "the agent"}
                />
              </div>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
