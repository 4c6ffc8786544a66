"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Button, buttonClasses } from "../ui/button";
import { Card } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { AgentItemPreview } from "./agent-item-preview";
import { AgentPreview } from "./agent-preview";
import { parsePrincipal, principalParam } from "./focus/access-model";
import { PrincipalAccessView } from "./focus/principal-access-view";
import { PrincipalPicker } from "./focus/principal-picker";
import { ServerAccessView } from "./focus/server-access-view";
import { subjectsOf } from "./grant-model";
import { GrantsMatrix } from "./grants-matrix";
import { PersonPreview } from "./person-preview";
import { ServerItemGrants } from "./server-item-grants";
import { ServerToolGrants } from "./server-tool-grants";
import { useGrantEditor } from "./use-grant-editor";

/** Past this many servers or teams and agents, the page opens on the focused views, not the matrix. */
const MATRIX_MAX_SERVERS = 20;
const MATRIX_MAX_SUBJECTS = 60;

const VIEWS = { principal: "By team or agent", server: "By server", matrix: "Matrix" } as const;
type View = keyof typeof VIEWS;

/**
 * Grants by search and focus — one team's or agent's access per server, or one server's
 * teams and agents — and, for small installations, the matrix (teams and agents × servers,
 * then × the tools of one server); then the "what can this agent see?" preview. The view,
 * the focus, the selected server and agent live in the URL (`?view=principal&for=team:…`,
 * `?view=server&on=…`, `?server=…&agent=…`), so a link can open any of them.
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
  const personId = params.get("person") ?? "";
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
  const large = (servers.data?.length ?? 0) > MATRIX_MAX_SERVERS || subjects.length > MATRIX_MAX_SUBJECTS;
  const requested = params.get("view");
  const view: View =
    requested === "principal" || requested === "server" || requested === "matrix"
      ? requested
      : large
        ? "principal"
        : "matrix";
  const focus = parsePrincipal(params.get("for"));
  const focusServerId = params.get("on") ?? "";
  const setParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    router.replace(`${pathname}?${next}`, { scroll: false });
  };

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
          <fieldset className="inline-flex rounded-md shadow-sm">
            <legend className="sr-only">View</legend>
            {(Object.keys(VIEWS) as View[]).map((key, i) => (
              <Button
                key={key}
                variant={key === view ? "primary" : "secondary"}
                size="sm"
                aria-pressed={key === view}
                className={`${i > 0 ? "-ml-px " : ""}rounded-none first:rounded-l-md last:rounded-r-md`}
                onClick={() => setParams({ view: key })}
              >
                {VIEWS[key]}
              </Button>
            ))}
          </fieldset>
          {view === "principal" && (
            <Card title="Access of a team, agent or person">
              <div className="space-y-4">
                <PrincipalPicker onPick={(ref) => setParams({ for: principalParam(ref) })} />
                {focus ? (
                  <PrincipalAccessView
                    key={principalParam(focus)}
                    principal={focus}
                    servers={servers.data}
                    canWrite={canWrite}
                  />
                ) : (
                  <p className="text-sm text-slate-600">
                    Find a team, agent or person to see their access to every server, filter it by server,
                    tool name, risk and access, and change many tools at once.
                  </p>
                )}
              </div>
            </Card>
          )}
          {view === "server" && (
            <Card title="Access to a server">
              <div className="space-y-4">
                <Field label="Focus server" className="w-72">
                  <Select
                    value={focusServerId}
                    onChange={(e) => setParams({ on: e.target.value || null })}
                    placeholder="Choose a server…"
                    options={servers.data.map((s) => ({ value: s.id, label: s.name }))}
                  />
                </Field>
                {focusServerId ? (
                  <ServerAccessView
                    key={focusServerId}
                    serverId={focusServerId}
                    onFocusPrincipal={(ref) => setParams({ view: "principal", for: principalParam(ref) })}
                  />
                ) : (
                  <p className="text-sm text-slate-600">
                    Choose a server to see every team's and agent's access to it, and that of people with
                    grants of their own there.
                  </p>
                )}
              </div>
            </Card>
          )}
          {view === "matrix" && (
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
          )}
          {view === "matrix" && selectedServer && (
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
          <Card title="What can this person see?">
            <PersonPreview userId={personId} onPersonChange={(id) => setParam("person", id || null)} />
          </Card>
        </div>
      )}
    </>
  );
}
