"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge, StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { EmptyState } from "../ui/empty-state";
import { ErrorState, errorMessage } from "../ui/error-state";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable } from "../ui/table";
import { useToast } from "../ui/toast";
import { PolicyDialog } from "./policy-dialog";
import {
  configSummary,
  draftOf,
  KIND_LABELS,
  type PolicyDraft,
  type PolicyRow,
  scopeSummary,
} from "./policy-draft";

type KindFilter = "" | PolicyRow["kind"];

const KIND_TONES = { dlp: "purple", rate_limit: "blue", approval: "yellow", risk: "neutral" } as const;

/** Governance policies: the console's side of the apply file's `policies:` section. */
export function PoliciesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("policies.write");
  const [kind, setKind] = useState<KindFilter>("");
  const policies = useQuery(trpc.policies.list.queryOptions(kind ? { kind } : undefined));
  // `key` remounts the dialog so each opening starts from the row's current values.
  const [editing, setEditing] = useState<{ key: number; id?: string; draft?: PolicyDraft } | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const [toggling, setToggling] = useState<string | null>(null);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
  const setEnabled = useMutation(
    trpc.policies.setEnabled.mutationOptions({
      onMutate: ({ id }) => setToggling(id),
      onSuccess: async ({ enabled }, { id }) => {
        const name = policies.data?.find((p) => p.id === id)?.name ?? "";
        toast.success(`Policy ${name} ${enabled ? "enabled" : "disabled"}`);
        await invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
      onSettled: () => setToggling(null),
    }),
  );
  const remove = useMutation(
    trpc.policies.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Policy ${deleting?.name} deleted`);
        setDeleting(null);
        await invalidate();
      },
    }),
  );
  const open = (row?: PolicyRow) => setEditing({ key: Date.now(), id: row?.id, draft: row && draftOf(row) });
  const newButton = canWrite && <Button onClick={() => open()}>New policy</Button>;

  return (
    <>
      <PageHeader
        title="Policies"
        description="Governance on every call: DLP on arguments and results, rate limits and quotas, human approval. The same policies as the apply file's policies: section."
        actions={newButton}
      />
      {!canWrite && (
        <p
          role="note"
          className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
        >
          Read-only: changing policies needs the <code>policies.write</code> permission.
        </p>
      )}
      <div className="mb-4 w-64">
        <Field label="Kind">
          <Select
            value={kind}
            onChange={(e) => setKind(e.target.value as KindFilter)}
            placeholder="All kinds"
            options={(["dlp", "rate_limit", "approval"] as const).map((k) => ({
              value: k,
              label: KIND_LABELS[k],
            }))}
          />
        </Field>
      </div>
      {policies.error ? (
        <ErrorState error={policies.error} />
      ) : (
        <DataTable
          label="Policies"
          rows={policies.data}
          rowKey={(p) => p.id}
          empty={
            <EmptyState
              title={kind ? `No ${KIND_LABELS[kind]} policies` : "No policies yet"}
              description="Policies apply on top of grants: block secrets in arguments, limit call rates, or hold risky calls for a human."
              action={newButton}
            />
          }
          columns={[
            {
              header: "Policy",
              cell: (p) => (
                <div>
                  <span className="font-medium text-slate-900">{p.name}</span>
                  <p className="max-w-md truncate text-xs text-slate-500" title={configSummary(p)}>
                    {configSummary(p)}
                  </p>
                </div>
              ),
            },
            { header: "Kind", cell: (p) => <Badge tone={KIND_TONES[p.kind]}>{KIND_LABELS[p.kind]}</Badge> },
            {
              header: "Status",
              cell: (p) => (
                <StatusBadge
                  status={p.enabled ? "active" : "disabled"}
                  label={p.enabled ? "enabled" : "disabled"}
                />
              ),
            },
            { header: "Priority", cell: (p) => p.priority },
            {
              header: "Scope",
              cell: (p) => (
                <span className="text-xs text-slate-700" data-testid="policy-scope">
                  {scopeSummary(p.scope)}
                </span>
              ),
            },
            {
              header: "Updated",
              cell: (p) => (
                <span title={`${dateTime(p.updatedAt)}${p.createdBy ? ` · created by ${p.createdBy}` : ""}`}>
                  {timeAgo(p.updatedAt)}
                </span>
              ),
            },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (p) => (
                <div className="flex justify-end gap-1">
                  {p.kind === "risk" ? (
                    <span className="text-xs text-slate-500">managed outside the console</span>
                  ) : canWrite ? (
                    <>
                      <Button
                        variant="ghost"
                        size="sm"
                        onClick={() => open(p)}
                        aria-label={`Edit policy ${p.name}`}
                      >
                        Edit
                      </Button>
                      <Button
                        variant="ghost"
                        size="sm"
                        loading={toggling === p.id}
                        onClick={() => setEnabled.mutate({ id: p.id, enabled: !p.enabled })}
                        aria-label={`${p.enabled ? "Disable" : "Enable"} policy ${p.name}`}
                      >
                        {p.enabled ? "Disable" : "Enable"}
                      </Button>
                      <Button
                        variant="ghost"
                        size="sm"
                        onClick={() => {
                          remove.reset();
                          setDeleting({ id: p.id, name: p.name });
                        }}
                        aria-label={`Delete policy ${p.name}`}
                      >
                        Delete
                      </Button>
                    </>
                  ) : (
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => open(p)}
                      aria-label={`View policy ${p.name}`}
                    >
                      View
                    </Button>
                  )}
                </div>
              ),
            },
          ]}
        />
      )}
      {editing && (
        <PolicyDialog
          key={editing.key}
          open
          onClose={() => setEditing(null)}
          policyId={editing.id}
          initial={editing.draft}
          readOnly={!canWrite}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        title={`Delete policy ${deleting?.name ?? ""}?`}
        message="Gateways stop applying it within a second. If the apply file still declares it, the next apply creates it again."
        confirmLabel="Delete policy"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}
