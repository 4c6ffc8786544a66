"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Button } from "../ui/button";
import { ErrorState, errorMessage } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Textarea } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";

/**
 * The authorization server's settings, as the apply file's `oauth:` section sets them: the
 * DCR switch, token lifetimes and the pre-registered clients.
 */
export function OAuthSettingsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("org.write");
  const state = useQuery(trpc.oauth.get.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.oauth.pathKey() });
  const [dcr, setDcr] = useState(false);
  const [access, setAccess] = useState("600");
  const [refreshTtl, setRefreshTtl] = useState("1209600");
  const [client, setClient] = useState({ id: "", name: "", redirectUris: "" });
  // The form takes the server's settings when they change, not on every refetch: registering a
  // client refetches, and must not undo an edit the owner has not saved yet.
  const applied = useRef<string | null>(null);
  useEffect(() => {
    if (!state.data) return;
    const settings = JSON.stringify(state.data.settings);
    if (applied.current === settings) return;
    applied.current = settings;
    setDcr(state.data.settings.dynamicClientRegistration);
    setAccess(String(state.data.settings.accessTokenTtl));
    setRefreshTtl(String(state.data.settings.refreshTokenTtl));
  }, [state.data]);

  const save = useMutation(
    trpc.oauth.setSettings.mutationOptions({
      onSuccess: async () => {
        toast.success("Saved; the authorization server uses it within a second");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const putClient = useMutation(
    trpc.oauth.putClient.mutationOptions({
      onSuccess: async (r) => {
        toast.success(`Client ${r.id} registered`);
        setClient({ id: "", name: "", redirectUris: "" });
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const deleteClient = useMutation(
    trpc.oauth.deleteClient.mutationOptions({
      onSuccess: async (r) => {
        toast.success(`Client ${r.id} removed`);
        await refresh();
      },
    }),
  );

  if (state.error) return <ErrorState error={state.error} />;
  // No form before the settings arrive: an edit of the defaults would be overwritten by them.
  if (!state.data) return <SkeletonRows label="Loading the sign-in settings…" />;
  const onSave = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({
      dynamicClientRegistration: dcr,
      accessTokenTtl: Number(access),
      refreshTokenTtl: Number(refreshTtl),
    });
  };
  const onAddClient = (e: FormEvent) => {
    e.preventDefault();
    putClient.mutate({
      id: client.id.trim(),
      name: client.name.trim(),
      redirectUris: client.redirectUris.split(/\s+/).filter(Boolean),
    });
  };

  return (
    <>
      <PageHeader
        title="Sign-in for MCP clients"
        description="People add the gateway URL to their MCP client and sign in with your SSO; these settings govern the authorization server that issues their tokens (also settable in the apply file's oauth: section)."
      />
      <form onSubmit={onSave} className="max-w-xl space-y-4">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={dcr}
            disabled={!canWrite}
            onChange={(e) => setDcr(e.target.checked)}
          />
          Dynamic Client Registration (any MCP client may register itself)
        </label>
        <Field label="Access-token lifetime (seconds)" hint="Default 600 (10 minutes)">
          <Input
            type="number"
            min={60}
            value={access}
            disabled={!canWrite}
            onChange={(e) => setAccess(e.target.value)}
          />
        </Field>
        <Field
          label="Refresh-token lifetime (seconds)"
          hint="Default 1209600 (14 days); every use rotates it"
        >
          <Input
            type="number"
            min={300}
            value={refreshTtl}
            disabled={!canWrite}
            onChange={(e) => setRefreshTtl(e.target.value)}
          />
        </Field>
        {canWrite && (
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        )}
      </form>

      <section className="mt-8">
        <h2 className="mb-3 text-sm font-semibold text-slate-900">Pre-registered clients</h2>
        <DataTable
          label="Pre-registered clients"
          rows={state.data?.clients}
          rowKey={(c) => c.id}
          empty="None. Clients can still use a Client ID Metadata Document, or register themselves when DCR is on."
          columns={[
            { header: "Client id", cell: (c) => c.id },
            { header: "Name", cell: (c) => c.name },
            { header: "Redirect URIs", cell: (c) => c.redirectUris.join(" ") },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (c) =>
                canWrite ? (
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={`Remove client ${c.id}`}
                    onClick={() => deleteClient.mutate({ id: c.id })}
                  >
                    Remove
                  </Button>
                ) : null,
            },
          ]}
        />
        {canWrite && (
          <form onSubmit={onAddClient} className="mt-4 max-w-xl space-y-3">
            <Field label="Client id" required>
              <Input value={client.id} onChange={(e) => setClient({ ...client, id: e.target.value })} />
            </Field>
            <Field label="Name" required>
              <Input value={client.name} onChange={(e) => setClient({ ...client, name: e.target.value })} />
            </Field>
            <Field label="Redirect URIs" hint="One per line; https, or http on loopback only" required>
              <Textarea
                value={client.redirectUris}
                onChange={(e) => setClient({ ...client, redirectUris: e.target.value })}
              />
            </Field>
            <Button type="submit" loading={putClient.isPending}>
              Register client
            </Button>
          </form>
        )}
      </section>
    </>
  );
}
