"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { nameProblem } from "@/lib/validation";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Textarea } from "../ui/input";
import { useToast } from "../ui/toast";

export function CreateTeamDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async () => {
        toast.success(`Team ${name.trim()} created`);
        await queryClient.invalidateQueries({ queryKey: trpc.teams.list.queryKey() });
        setName("");
        setDescription("");
        onClose();
      },
      onError: (error) => setErrors({ form: errorMessage(error), ...fieldErrors(error) }),
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = nameProblem(name);
    if (problem) return setErrors({ name: problem });
    setErrors({});
    create.mutate({ name: name.trim(), description: description.trim() || undefined });
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="New team"
      description="Teams own agents; grants given to a team apply to all of its agents."
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="create-team" loading={create.isPending}>
            Create team
          </Button>
        </>
      }
    >
      <form id="create-team" onSubmit={submit} noValidate className="space-y-4">
        <Field
          label="Name"
          required
          error={errors.name}
          hint="Lowercase letters, digits and dashes, e.g. platform"
        >
          <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoFocus />
        </Field>
        <Field label="Description" error={errors.description}>
          <Textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} />
        </Field>
        {errors.form && !errors.name && (
          <p role="alert" className="text-sm text-red-700">
            {errors.form}
          </p>
        )}
      </form>
    </Dialog>
  );
}
