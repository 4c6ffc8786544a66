"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { CopyButton } from "../ui/copy-button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { EXPIRY_OPTIONS, type ExpiryChoice, expiryFrom } from "./expiry";

/**
 * Issues an API key. The key is shown once, here, with a copy button and the mcp.json a
 * client needs; closing the dialog forgets it (only its hash is stored).
 */
export function CreateKeyDialog({
  agentId,
  agentName,
  open,
  onClose,
}: {
  agentId: string;
  agentName: string;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState<ExpiryChoice>("90");
  const [customDate, setCustomDate] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.keys.list.queryKey({ agentId }) }),
          queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() }),
        ]),
      onError: (error) => setErrors({ form: errorMessage(error), ...fieldErrors(error) }),
    }),
  );
  const close = () => {
    create.reset();
    setName("");
    setErrors({});
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { expiresAt, problem } = expiryFrom(expiry, customDate);
    if (problem) return setErrors({ expiresAt: problem });
    if (name.length > 100) return setErrors({ name: "At most 100 characters" });
    setErrors({});
    create.mutate({ agentId, name: name.trim() || undefined, expiresAt });
  };

  if (create.data) {
    const created = create.data;
    return (
      <Dialog
        open={open}
        onClose={close}
        size="lg"
        title="Copy the new key now"
        description="This is the only time the key is shown. Store it in your client's configuration or a secret manager."
        footer={<Button onClick={close}>I have copied the key</Button>}
      >
        <div className="space-y-5">
          <div className="space-y-1.5">
            <p className="text-sm font-medium text-slate-800" id="new-key-label">
              API key for {agentName}
            </p>
            <div className="flex items-center gap-2">
              <code
                data-testid="new-api-key"
                className="flex-1 rounded-md bg-slate-900 px-3 py-2 font-mono text-sm break-all text-green-300"
              >
                {created.key}
              </code>
              <CopyButton value={created.key} label="Copy key" />
            </div>
            <p className="text-xs text-slate-500">
              {created.expiresAt ? `Expires ${created.expiresAt.toLocaleString()}.` : "Does not expire."}
            </p>
          </div>
          <div className="space-y-1.5">
            <div className="flex items-center justify-between">
              <p className="text-sm font-medium text-slate-800">mcp.json for Claude Code or Cursor</p>
              <CopyButton value={created.mcpJson} label="Copy mcp.json" />
            </div>
            <pre
              data-testid="mcp-json"
              className="overflow-x-auto rounded-md bg-slate-100 p-3 text-xs text-slate-800"
            >
              {created.mcpJson}
            </pre>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title={`New API key for ${agentName}`}
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="create-key" loading={create.isPending}>
            Create key
          </Button>
        </>
      }
    >
      <form id="create-key" onSubmit={submit} noValidate className="space-y-4">
        <Field label="Name" error={errors.name} hint="Optional: where the key is used, e.g. laptop or ci">
          <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoFocus />
        </Field>
        <Field label="Expires" error={expiry === "custom" ? undefined : errors.expiresAt}>
          <Select
            value={expiry}
            onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}
            options={EXPIRY_OPTIONS}
          />
        </Field>
        {expiry === "custom" && (
          <Field label="Expiry date" required error={errors.expiresAt}>
            <Input type="date" value={customDate} onChange={(e) => setCustomDate(e.target.value)} />
          </Field>
        )}
        {errors.form && !errors.expiresAt && !errors.name && (
          <p role="alert" className="text-sm text-red-700">
            {errors.form}
          </p>
        )}
      </form>
    </Dialog>
  );
}
