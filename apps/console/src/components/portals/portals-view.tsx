"use client";

import type { ConfigPortal } from "@portcullis/contracts/portal";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { EmptyState } from "../ui/empty-state";
import { ErrorState, errorMessage } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";
import { PortalDialog } from "./portal-dialog";

/** `focusId`: one portal to show (the palette opens a portal so), with a way back to all. */
export function PortalsView({ focusId = null }: { focusId?: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("servers.write");
  const portals = useQuery(trpc.portals.list.queryOptions());
  const [focus, setFocus] = useState(focusId);
  const shown = focus === null ? portals.data : portals.data?.filter((p) => p.id === focus);
  const [editing, setEditing] = useState<{ id: string; portal: ConfigPortal } | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const remove = useMutation(
    trpc.portals.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Portal ${deleting?.name} deleted`);
        setDeleting(null);
        await queryClient.invalidateQueries({ queryKey: trpc.portals.list.queryKey() });
      },
    }),
  );
  const openDialog = (portal: { id: string; portal: ConfigPortal } | null) => {
    setEditing(portal);
    setDialogOpen(true);
  };
  const newButton = canWrite && <Button onClick={() => openDialog(null)}>New portal</Button>;

  return (
    <>
      <PageHeader
        title="Portals"
        description="Endpoints /mcp/<portal> that expose chosen servers and tools, optionally under their own names. Grants still decide what each agent sees."
        actions={newButton}
      />
      {focus !== null && shown !== undefined && (
        <p className="mb-3 flex items-center gap-2 text-sm text-slate-700" role="status">
          {shown.length === 0 ? "That portal no longer exists." : `Showing portal ${shown[0]!.portal.name}.`}
          <Button variant="ghost" size="sm" onClick={() => setFocus(null)}>
            Show all portals
          </Button>
        </p>
      )}
      {portals.error ? (
        <ErrorState error={portals.error} />
      ) : (
        <DataTable
          label="Portals"
          rows={shown}
          rowKey={(p) => p.id}
          empty={
            <EmptyState
              title="No portals yet"
              description="Every agent uses /mcp with server__tool names. A portal gives a client a narrower endpoint."
              action={newButton}
            />
          }
          columns={[
            {
              header: "Portal",
              cell: (p) => (
                <div>
                  <p className="font-medium text-slate-900">{p.portal.name}</p>
                  <p className="font-mono text-xs text-slate-500">/mcp/{p.portal.name}</p>
                  {p.portal.description && <p className="text-xs text-slate-500">{p.portal.description}</p>}
                </div>
              ),
            },
            {
              header: "Servers and tools",
              cell: (p) => (
                <ul className="text-sm">
                  {p.portal.tools.map((t) => (
                    <li key={t.server}>
                      <span className="font-medium">{t.server}</span>: {t.tools.join(", ")}
                    </li>
                  ))}
                </ul>
              ),
            },
            {
              header: "Names",
              cell: (p) => (
                <Badge tone={p.portal.naming === "bare" ? "blue" : "neutral"}>{p.portal.naming}</Badge>
              ),
            },
            { header: "Exposure", cell: (p) => p.portal.exposure },
            {
              header: "Overrides",
              cell: (p) => (p.portal.overrides.length === 0 ? "—" : p.portal.overrides.length),
            },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (p) =>
                canWrite && (
                  <div className="flex justify-end gap-2">
                    <Button
                      variant="secondary"
                      size="sm"
                      onClick={() => openDialog({ id: p.id, portal: p.portal })}
                      aria-label={`Edit portal ${p.portal.name}`}
                    >
                      Edit
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => {
                        remove.reset();
                        setDeleting({ id: p.id, name: p.portal.name });
                      }}
                      aria-label={`Delete portal ${p.portal.name}`}
                    >
                      Delete
                    </Button>
                  </div>
                ),
            },
          ]}
        />
      )}
      <PortalDialog open={dialogOpen} editing={editing} onClose={() => setDialogOpen(false)} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        title={`Delete portal ${deleting?.name ?? ""}?`}
        message="Clients using its endpoint get 404 once gateways load the next configuration. Servers, tools and grants are not touched."
        confirmLabel="Delete portal"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}
