"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { ErrorState, errorMessage } from "../ui/error-state";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";

/**
 * The MCP clients members signed in with (OAuth): who, which client, what it may reach and
 * when it was last used. Revoking ends the connection's tokens at every gateway within a
 * second and its refresh token at once; the person can connect again by signing in.
 */
export function ConnectedClients() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("members.write");
  const connections = useQuery(trpc.members.connections.queryOptions());
  const [revoking, setRevoking] = useState<{ id: string; label: string } | null>(null);
  const revoke = useMutation(
    trpc.members.revokeConnection.mutationOptions({
      onSuccess: async () => {
        toast.success(`${revoking?.label} revoked; its tokens stop working now`);
        setRevoking(null);
        await queryClient.invalidateQueries({ queryKey: trpc.members.connections.queryKey() });
      },
    }),
  );

  if (connections.error) return <ErrorState error={connections.error} />;
  return (
    <section className="mt-8">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">Connected MCP clients</h2>
      <DataTable
        label="Connected MCP clients"
        rows={connections.data}
        rowKey={(c) => c.id}
        empty="No one has connected an MCP client with their sign-in yet."
        columns={[
          { header: "Person", cell: (c) => c.personEmail },
          {
            header: "Client",
            cell: (c) => (
              <div>
                <p className="font-medium text-slate-900">{c.clientName}</p>
                <p className="text-xs text-slate-500">{c.redirectUri}</p>
              </div>
            ),
          },
          {
            header: "Scopes",
            cell: (c) =>
              c.scopes.map((s) => (
                <Badge key={s} className="mr-1">
                  {s}
                </Badge>
              )),
          },
          {
            header: "Last use",
            cell: (c) =>
              c.lastUsedAt ? (
                <span title={dateTime(c.lastUsedAt)}>{timeAgo(c.lastUsedAt)}</span>
              ) : (
                <span className="text-slate-400">—</span>
              ),
          },
          {
            header: <span className="sr-only">Actions</span>,
            className: "text-right",
            cell: (c) =>
              canWrite ? (
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Revoke ${c.clientName} of ${c.personEmail}`}
                  onClick={() => {
                    revoke.reset();
                    setRevoking({ id: c.id, label: `${c.clientName} (${c.personEmail})` });
                  }}
                >
                  Revoke
                </Button>
              ) : null,
          },
        ]}
      />
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ connectionId: revoking.id })}
        title={`Revoke ${revoking?.label ?? ""}?`}
        message="The client's tokens are refused by every gateway within a second, and it cannot refresh them. The person can sign in again from the client."
        confirmLabel="Revoke"
        danger
        loading={revoke.isPending}
        error={revoke.error ? errorMessage(revoke.error) : null}
      />
    </section>
  );
}
