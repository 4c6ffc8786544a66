"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge, StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/dialog";
import { EmptyState } from "../ui/empty-state";
import { ErrorState, errorMessage } from "../ui/error-state";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";
import { CreateKeyDialog } from "./create-key-dialog";

interface KeyRow {
  id: string;
  name: string | null;
  prefix: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

function keyState(k: KeyRow, now = Date.now()): "active" | "revoked" | "expired" {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt && k.expiresAt.getTime() <= now) return "expired";
  return "active";
}

export function AgentKeys({ agentId, agentName }: { agentId: string; agentName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("keys.write");
  const keys = useQuery(trpc.keys.list.queryOptions({ agentId }));
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<KeyRow | null>(null);
  const revoke = useMutation(
    trpc.keys.revoke.mutationOptions({
      onSuccess: async () => {
        toast.success(`Key ${revoking?.prefix}… revoked; gateways refuse it from now on`);
        setRevoking(null);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.keys.list.queryKey({ agentId }) }),
          queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() }),
        ]);
      },
    }),
  );

  return (
    <Card
      title="API keys"
      actions={
        canWrite && (
          <Button size="sm" onClick={() => setCreating(true)}>
            Create key
          </Button>
        )
      }
    >
      {keys.error ? (
        <ErrorState error={keys.error} />
      ) : (
        <DataTable
          label="API keys"
          rows={keys.data}
          rowKey={(k) => k.id}
          empty={
            <EmptyState
              title="No keys yet"
              description="Create a key and put it in the agent's MCP client configuration."
              action={canWrite && <Button onClick={() => setCreating(true)}>Create key</Button>}
            />
          }
          columns={[
            {
              header: "Key",
              cell: (k) => (
                <div>
                  <code className="font-mono text-xs">{k.prefix}…</code>
                  {k.name && <p className="text-xs text-slate-500">{k.name}</p>}
                </div>
              ),
            },
            { header: "State", cell: (k) => <StatusBadge status={keyState(k)} /> },
            {
              header: "Created",
              cell: (k) => <span title={dateTime(k.createdAt)}>{timeAgo(k.createdAt)}</span>,
            },
            {
              header: "Last used",
              cell: (k) => <span title={dateTime(k.lastUsedAt)}>{timeAgo(k.lastUsedAt)}</span>,
            },
            {
              header: "Expires",
              cell: (k) =>
                k.expiresAt ? (
                  <span title={dateTime(k.expiresAt)}>{timeAgo(k.expiresAt)}</span>
                ) : (
                  <Badge>never</Badge>
                ),
            },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (k) =>
                canWrite && keyState(k) !== "revoked" ? (
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={`Revoke key ${k.prefix}`}
                    onClick={() => {
                      revoke.reset();
                      setRevoking(k);
                    }}
                  >
                    Revoke
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
      <CreateKeyDialog
        agentId={agentId}
        agentName={agentName}
        open={creating}
        onClose={() => setCreating(false)}
      />
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
        title={`Revoke key ${revoking?.prefix ?? ""}…?`}
        message="Clients using this key are refused within a second. This cannot be undone."
        confirmLabel="Revoke key"
        danger
        loading={revoke.isPending}
        error={revoke.error ? errorMessage(revoke.error) : null}
      />
    </Card>
  );
}
