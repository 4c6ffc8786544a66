"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { nameProblem } from "@/lib/validation";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select, Textarea } from "../ui/input";

export function CreateAgentDialog({
  open,
  onClose,
  defaultTeamId,
}: {
  open: boolean;
  onClose: () => void;
  defaultTeamId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const teams = useQuery({ ...trpc.teams.list.queryOptions(), enabled: open });
  const [name, setName] = useState("");
  const [teamId, setTeamId] = useState(defaultTeamId ?? "");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.agents.create.mutationOptions({
      onSuccess: async ({ id }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
        onClose();
        router.push(`/agents/${id}`);
      },
      onError: (error) => setErrors({ form: errorMessage(error), ...fieldErrors(error) }),
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Record<string, string> = {};
    const problem = nameProblem(name);
    if (problem) next.name = problem;
    if (!teamId) next.teamId = "Choose the team that owns this agent";
    setErrors(next);
    if (Object.keys(next).length === 0) {
      create.mutate({ name: name.trim(), teamId, description: description.trim() || undefined });
    }
  };

  const noTeams = teams.data?.length === 0;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="New agent"
      description="An agent is a service identity (Claude Code, a CI job, an agent runtime) that connects with an API key."
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="create-agent" loading={create.isPending} disabled={noTeams}>
            Create agent
          </Button>
        </>
      }
    >
      {noTeams ? (
        <p className="text-sm text-slate-700">
          Agents belong to a team, and there is none yet.{" "}
          <Link href="/teams" className="font-medium text-indigo-700 hover:underline">
            Create a team first
          </Link>
          .
        </p>
      ) : (
        <form id="create-agent" onSubmit={submit} noValidate className="space-y-4">
          <Field
            label="Name"
            required
            error={errors.name}
            hint="Lowercase letters, digits and dashes, e.g. ci-bot"
          >
            <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoFocus />
          </Field>
          <Field label="Team" required error={errors.teamId}>
            <Select
              value={teamId}
              onChange={(e) => setTeamId(e.target.value)}
              placeholder={teams.isPending ? "Loading teams…" : "Choose a team…"}
              options={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
            />
          </Field>
          <Field label="Description" error={errors.description}>
            <Textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} />
          </Field>
          {errors.form && !errors.name && !errors.teamId && (
            <p role="alert" className="text-sm text-red-700">
              {errors.form}
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}
