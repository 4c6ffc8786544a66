"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { emailProblem } from "@/lib/validation";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { useToast } from "../ui/toast";

export interface TeamWithMembers {
  id: string;
  name: string;
  members: Array<{ userId: string; email: string; name: string | null }>;
}

/** A team's people: list, add by email (must already be a member of the organization), remove. */
export function TeamMembersDialog({ team, onClose }: { team: TeamWithMembers | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("teams.write");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.teams.list.queryKey() });
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          result.added
            ? `${email.trim()} added to ${team?.name}`
            : `${email.trim()} was already in ${team?.name}`,
        );
        setEmail("");
        await refresh();
      },
      onError: (e) => setError(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.teams.removeMember.mutationOptions({
      onSuccess: async () => {
        toast.success("Removed from the team");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!team) return;
    const problem = emailProblem(email);
    if (problem) return setError(problem);
    setError(undefined);
    add.mutate({ teamId: team.id, email: email.trim() });
  };

  return (
    <Dialog open={team !== null} onClose={onClose} title={`Members of ${team?.name ?? ""}`} size="md">
      {team && (
        <div className="space-y-4">
          {team.members.length === 0 ? (
            <p className="text-sm text-slate-600">No one is in this team yet.</p>
          ) : (
            <ul
              className="divide-y divide-slate-100 rounded-md border border-slate-200"
              aria-label="Team members"
            >
              {team.members.map((m) => (
                <li key={m.userId} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                  <span>
                    <span className="font-medium">{m.name ?? m.email}</span>
                    {m.name && <span className="ml-2 text-slate-500">{m.email}</span>}
                  </span>
                  {canWrite && (
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Remove ${m.email} from ${team.name}`}
                      loading={remove.isPending && remove.variables?.userId === m.userId}
                      onClick={() => remove.mutate({ teamId: team.id, userId: m.userId })}
                    >
                      Remove
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {canWrite && (
            <form onSubmit={submit} noValidate className="flex items-end gap-2">
              <Field label="Add a member by email" error={error} className="flex-1">
                <Input
                  type="email"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  placeholder="name@example.com"
                />
              </Field>
              <Button type="submit" loading={add.isPending} className={error ? "mb-5" : undefined}>
                Add
              </Button>
            </form>
          )}
        </div>
      )}
    </Dialog>
  );
}
