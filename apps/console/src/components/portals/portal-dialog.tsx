"use client";

import type { ConfigPortal } from "@portcullis/contracts/portal";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select, Textarea } from "../ui/input";
import { useToast } from "../ui/toast";
import { EMPTY_PORTAL_FORM, formToPortal, type PortalFormText, portalToForm } from "./portal-form";

/** Creates a portal (`editing` null) or edits one; the fields are the apply file's `portals:` entry. */
export function PortalDialog({
  open,
  editing,
  onClose,
}: {
  open: boolean;
  editing: { id: string; portal: ConfigPortal } | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState<PortalFormText>(EMPTY_PORTAL_FORM);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!open) return;
    setForm(editing ? portalToForm(editing.portal) : EMPTY_PORTAL_FORM);
    setErrors({});
  }, [open, editing]);
  const done = async (verb: string) => {
    toast.success(`Portal ${form.name.trim()} ${verb}`);
    await queryClient.invalidateQueries({ queryKey: trpc.portals.list.queryKey() });
    onClose();
  };
  const onError = (error: unknown) => setErrors({ form: errorMessage(error), ...fieldErrors(error) });
  const create = useMutation(
    trpc.portals.create.mutationOptions({ onSuccess: () => done("created"), onError }),
  );
  const update = useMutation(
    trpc.portals.update.mutationOptions({ onSuccess: () => done("saved"), onError }),
  );
  const set = (field: keyof PortalFormText) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const read = formToPortal(form);
    if ("errors" in read) return setErrors(read.errors);
    setErrors({});
    if (editing) update.mutate({ id: editing.id, portal: read.portal });
    else create.mutate(read.portal);
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title={editing ? `Edit portal ${editing.portal.name}` : "New portal"}
      description="A portal is an endpoint /mcp/<name> exposing the servers and tools you choose. It only narrows: an agent's grants still decide what it sees and calls."
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="portal-form" loading={create.isPending || update.isPending}>
            {editing ? "Save portal" : "Create portal"}
          </Button>
        </>
      }
    >
      <form id="portal-form" onSubmit={submit} noValidate className="space-y-4">
        <Field
          label="Name"
          required
          error={errors.name}
          hint="Lowercase letters, digits and dashes: the URL /mcp/<name>"
        >
          <Input value={form.name} onChange={set("name")} autoComplete="off" autoFocus />
        </Field>
        <Field label="Description" error={errors.description}>
          <Textarea value={form.description} onChange={set("description")} rows={2} />
        </Field>
        <div className="flex gap-4">
          <Field label="Tool names" className="w-56" error={errors.naming}>
            <Select
              value={form.naming}
              onChange={set("naming")}
              options={[
                { value: "prefixed", label: "prefixed (server__tool)" },
                { value: "bare", label: "bare (the server's own names)" },
              ]}
            />
          </Field>
          <Field label="Exposure" className="w-56" error={errors.exposure}>
            <Select
              value={form.exposure}
              onChange={set("exposure")}
              options={[
                { value: "full", label: "full (every tool listed)" },
                { value: "search", label: "search" },
                { value: "code", label: "code" },
              ]}
            />
          </Field>
        </div>
        <Field
          label="Servers and tools"
          required
          error={errors.tools}
          hint='One line per server: "server: pattern, pattern" ("docs: *", "github: get-*, list-*")'
        >
          <Textarea value={form.tools} onChange={set("tools")} rows={3} className="font-mono" />
        </Field>
        <Field
          label="Pinned tools"
          error={errors.pinned}
          hint='With exposure search or code: listed beside the meta-tools, so the model need not search for them. One line per server: "server: tool, tool"'
        >
          <Textarea value={form.pinned} onChange={set("pinned")} rows={2} className="font-mono" />
        </Field>
        <Field
          label="Overrides"
          error={errors.overrides}
          hint='Optional JSON list: [{ "server", "tool", "name"?, "description"?, "fixedArguments"? }]. Fixed arguments are hidden from clients and set on every call.'
        >
          <Textarea value={form.overrides} onChange={set("overrides")} rows={4} className="font-mono" />
        </Field>
        {errors.form && (
          <p role="alert" className="text-sm text-red-700">
            {errors.form}
          </p>
        )}
      </form>
    </Dialog>
  );
}
