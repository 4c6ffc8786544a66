"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { useToast } from "../ui/toast";
import { ApprovalFields } from "./approval-fields";
import { DlpFields } from "./dlp-fields";
import {
  type EditableKind,
  emptyDraft,
  entryOf,
  errorUnder,
  formErrorsOf,
  KIND_LABELS,
  type PolicyDraft,
  SCOPE_LIST_NAMES,
  unshownErrors,
} from "./policy-draft";
import { RateLimitFields } from "./rate-limit-fields";
import { ScopePicker } from "./scope-picker";

const KIND_HINTS: Record<EditableKind, string> = {
  dlp: "Detects secrets and personal data in arguments and results; blocks, redacts or logs.",
  rate_limit: "Call-rate limits and daily quotas, counted across every gateway replica.",
  approval: "Holds matching calls until a person approves them.",
};

/**
 * Creates (no `policyId`), edits or — with `readOnly` — shows a policy. The form sends the
 * apply file's entry shape; errors from the form's own check and from the server land next
 * to the same fields.
 */
export function PolicyDialog({
  open,
  onClose,
  policyId,
  initial,
  readOnly = false,
}: {
  open: boolean;
  onClose: () => void;
  policyId?: string;
  initial?: PolicyDraft;
  readOnly?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const options = useQuery({ ...trpc.policies.scopeOptions.queryOptions(), enabled: open && !readOnly });
  const [draft, setDraft] = useState<PolicyDraft>(initial ?? emptyDraft());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const onSuccess = async (verb: string) => {
    toast.success(`Policy ${draft.name.trim()} ${verb}`);
    await queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
    onClose();
  };
  const onError = (error: unknown) => {
    const fields = formErrorsOf(fieldErrors(error));
    setErrors(Object.keys(fields).length > 0 ? fields : { form: errorMessage(error) });
  };
  const create = useMutation(
    trpc.policies.create.mutationOptions({ onSuccess: () => onSuccess("created"), onError }),
  );
  const update = useMutation(
    trpc.policies.update.mutationOptions({ onSuccess: () => onSuccess("saved"), onError }),
  );
  const pending = create.isPending || update.isPending;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { entry, errors: problems } = entryOf(draft);
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    // The form's check is the server's schema; the server checks again (and resolves the scope).
    const policy = entry as Parameters<typeof create.mutate>[0]["policy"];
    if (policyId) update.mutate({ id: policyId, policy });
    else create.mutate({ policy });
  };

  const scopeOptions = {
    teams: (options.data?.teams ?? []).map((t) => ({ value: t, label: t })),
    agents: (options.data?.agents ?? []).map((a) => ({ value: a.name, label: `${a.name} (${a.team})` })),
    servers: (options.data?.servers ?? []).map((s) => ({ value: s, label: s })),
    tools: (options.data?.tools ?? []).map((t) => ({
      value: t.name,
      label: `${t.name}${t.title ? ` — ${t.title}` : ""} (${t.riskClass})`,
    })),
    // People are found by a search of the server (an organization may have 10,000), saved by email.
    users: [],
  };
  const others = unshownErrors(errors);
  const title = readOnly
    ? `Policy ${draft.name}`
    : policyId
      ? `Edit policy ${initial?.name ?? ""}`
      : "New policy";

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title={title}
      description={
        readOnly
          ? "Read-only: changing policies needs the policies.write permission."
          : KIND_HINTS[draft.kind]
      }
      footer={
        readOnly ? (
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        ) : (
          <>
            <Button variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" form="policy-form" loading={pending}>
              {policyId ? "Save policy" : "Create policy"}
            </Button>
          </>
        )
      }
    >
      <form id="policy-form" onSubmit={submit} noValidate className="space-y-5">
        <div className="grid gap-4 sm:grid-cols-[1fr_12rem_8rem]">
          <Field
            label="Name"
            required
            error={errors.name}
            hint="Lowercase letters, digits and dashes; unique across kinds"
          >
            <Input
              value={draft.name}
              disabled={readOnly}
              autoComplete="off"
              onChange={(e) => set({ name: e.target.value })}
            />
          </Field>
          <Field label="Kind" required error={errors.kind}>
            <Select
              value={draft.kind}
              disabled={readOnly}
              onChange={(e) => {
                set({ kind: e.target.value as EditableKind });
                setErrors({});
              }}
              options={(["dlp", "rate_limit", "approval"] as const).map((k) => ({
                value: k,
                label: KIND_LABELS[k],
              }))}
            />
          </Field>
          <Field label="Priority" error={errors.priority} hint="Lower runs first">
            <Input
              type="number"
              value={draft.priority}
              disabled={readOnly}
              onChange={(e) => set({ priority: e.target.value })}
            />
          </Field>
        </div>
        <label className="inline-flex items-center gap-2 text-sm text-slate-800">
          <input
            type="checkbox"
            className="h-4 w-4 rounded border-slate-300 text-indigo-600"
            checked={draft.enabled}
            disabled={readOnly}
            onChange={(e) => set({ enabled: e.target.checked })}
          />
          Enabled (gateways apply it)
        </label>

        <section className="space-y-3 rounded-lg border border-slate-200 p-4">
          <h3 className="text-sm font-semibold text-slate-900">Scope</h3>
          <p className="text-xs text-slate-500">
            Which calls the policy covers: a call must match every list that names something.
          </p>
          <div className="grid gap-4 sm:grid-cols-2">
            {SCOPE_LIST_NAMES.map((list) => (
              <ScopePicker
                key={list}
                list={list}
                value={draft.scope[list]}
                options={scopeOptions[list]}
                onChange={(next) => set({ scope: { ...draft.scope, [list]: next } })}
                error={errorUnder(errors, `scope.${list}`)}
                disabled={readOnly}
                loading={options.isPending}
              />
            ))}
          </div>
          {options.error && (
            <p role="alert" className="text-xs text-red-700">
              Could not load teams, agents, servers and tools: {options.error.message}
            </p>
          )}
        </section>

        <section className="space-y-3 rounded-lg border border-slate-200 p-4">
          <h3 className="text-sm font-semibold text-slate-900">{KIND_LABELS[draft.kind]} settings</h3>
          {draft.kind === "dlp" && (
            <DlpFields
              value={draft.dlp}
              onChange={(dlp) => set({ dlp })}
              errors={errors}
              disabled={readOnly}
            />
          )}
          {draft.kind === "rate_limit" && (
            <RateLimitFields
              value={draft.rateLimit}
              onChange={(rateLimit) => set({ rateLimit })}
              errors={errors}
              disabled={readOnly}
            />
          )}
          {draft.kind === "approval" && (
            <ApprovalFields
              value={draft.approval}
              onChange={(approval) => set({ approval })}
              errors={errors}
              disabled={readOnly}
            />
          )}
        </section>

        {Object.keys(errors).length > 0 && (
          <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {others.length > 0
              ? others.map((message) => <p key={message}>{message}</p>)
              : "Fix the fields marked in red, then save again."}
          </div>
        )}
      </form>
    </Dialog>
  );
}
