"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { StatusBadge } from "../ui/badge";
import { Button, buttonClasses } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/dialog";
import { ErrorState, errorMessage } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { useToast } from "../ui/toast";
import { ServerToolsTable } from "./server-tools-table";
import { SyncCatalog } from "./sync-catalog";
import { TRANSPORT_LABELS } from "./transport-labels";

export function ServerDetailView({ serverId }: { serverId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const canWrite = useCan("servers.write");
  const canSeeHistory = useCan("config.read");
  const server = useQuery(trpc.servers.get.queryOptions({ id: serverId }));
  const [deleting, setDeleting] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.servers.get.queryKey({ id: serverId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.servers.pathKey() }),
    ]);
  const setStatus = useMutation(
    trpc.servers.setStatus.mutationOptions({
      onSuccess: async (r) => {
        toast.success(
          r.status === "active" ? "Server enabled" : "Server disabled: gateways stop listing its tools",
        );
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.servers.delete.mutationOptions({
      onSuccess: async () => {
        toast.success("Server deleted");
        await queryClient.invalidateQueries({ queryKey: trpc.servers.pathKey() });
        router.push("/servers");
      },
    }),
  );

  if (server.error) {
    return (
      <>
        <PageHeader title="Server" />
        <ErrorState error={server.error} />
        <Link href="/servers" className={`${buttonClasses("secondary")} mt-4`}>
          Back to servers
        </Link>
      </>
    );
  }
  if (!server.data) return <SkeletonRows rows={5} label="Loading the server…" />;
  const s = server.data;
  const secrets = s.secretNames;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/servers" className="hover:underline">
          Servers
        </Link>{" "}
        / {s.name}
      </nav>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {s.name} <StatusBadge status={s.status} /> <StatusBadge status={s.health} />
          </span>
        }
        description={s.description ?? undefined}
        actions={
          canWrite && (
            <>
              <Link href={`/servers/${s.id}/edit`} className={buttonClasses("secondary")}>
                Edit
              </Link>
              <Button
                variant="secondary"
                loading={setStatus.isPending}
                onClick={() =>
                  setStatus.mutate({ id: s.id, status: s.status === "active" ? "disabled" : "active" })
                }
              >
                {s.status === "active" ? "Disable" : "Enable"}
              </Button>
              <Button variant="danger" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            </>
          )
        }
      />

      <div className="mb-6 grid gap-4 lg:grid-cols-3">
        <Card title="Connection" className="lg:col-span-2">
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
            <Fact label="Transport">{TRANSPORT_LABELS[s.transport]}</Fact>
            <Fact label={s.transport === "stdio" ? "Command line (exactly as started)" : "URL"}>
              <code className="font-mono text-xs break-all">
                {s.transport === "stdio" ? s.commandLine : s.url}
              </code>
            </Fact>
            {s.transport === "stdio" && (
              <Fact label="Network">
                {s.network ? (
                  "Allowed"
                ) : (
                  <span>
                    Cut off <span className="text-slate-500">(in the bubblewrap sandbox)</span>
                  </span>
                )}
              </Fact>
            )}
            <Fact label="Requests to the client">
              {[s.allowElicitation && "user input", s.allowSampling && "sampling"]
                .filter(Boolean)
                .join(", ") || "None allowed"}
            </Fact>
            <Fact label="New tools">
              {s.trustNewTools ? (
                "Trusted: served without review"
              ) : (
                <span>
                  Quarantined until reviewed{" "}
                  <span className="text-slate-500">(tools listed after the first sync)</span>
                </span>
              )}
            </Fact>
            <Fact label="Credentials">
              {secrets === null ? (
                <span className="text-red-700">Stored, but they cannot be opened with the current key</span>
              ) : !s.hasSecrets ? (
                <span className="text-slate-500">None</span>
              ) : (
                <span>
                  {[
                    secrets.bearer && "bearer token",
                    secrets.headers.length > 0 && `headers ${secrets.headers.join(", ")}`,
                    secrets.env.length > 0 && `environment ${secrets.env.join(", ")}`,
                  ]
                    .filter(Boolean)
                    .join("; ")}{" "}
                  <span className="text-slate-500">(sealed)</span>
                </span>
              )}
            </Fact>
            <Fact label="Timeout">{s.timeoutMs.toLocaleString("en")} ms</Fact>
            <Fact label="Last sync">
              <span title={dateTime(s.lastSyncAt)}>{timeAgo(s.lastSyncAt)}</span>
            </Fact>
            <Fact label="Last error">
              {s.lastError ? <span className="break-words text-red-700">{s.lastError}</span> : "—"}
            </Fact>
          </dl>
          {canSeeHistory && (
            <Link
              href={`/history/audit?targetId=${s.id}`}
              className="mt-3 inline-block text-sm text-indigo-700 hover:underline"
            >
              Changes to this server
            </Link>
          )}
        </Card>
        <Card title="Catalog">
          <p className="mb-3 text-sm text-slate-600">
            Re-reads the tools the server offers. New tools are listed, changed definitions are quarantined
            until an admin approves them.
          </p>
          {canWrite ? (
            <SyncCatalog serverId={s.id} serverName={s.name} />
          ) : (
            <p className="text-sm text-slate-500">Syncing needs the servers.write permission.</p>
          )}
        </Card>
      </div>

      <ServerToolsTable serverId={s.id} />

      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate({ id: s.id })}
        title={`Delete server ${s.name}?`}
        message={`Its ${s.toolCount} tool(s) and every grant on it are deleted; agents lose them within a second. This cannot be undone.`}
        confirmLabel="Delete server"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className="mt-0.5 font-medium text-slate-900">{children}</dd>
    </div>
  );
}
