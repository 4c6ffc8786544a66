"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { ErrorState, errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { SkeletonRows } from "../ui/spinner";
import type { Subject } from "./grant-model";
import { PersonPicker } from "./person-preview";

type Kind = "resource" | "prompt";
const KIND_LABELS: Record<Kind, string> = { resource: "Resources", prompt: "Prompts" };
const PLACEHOLDER: Record<Kind, string> = { resource: "docs://public/*", prompt: "summarize" };
/** The subject option that opens the person picker (people are too many for a select). */
const PERSON = "person";

/**
 * Grants on one server's resources (URI patterns) and prompts (name patterns), the parity
 * of the apply file's `resources:` and `prompts:`. Tool grants expose neither: without an
 * allow rule here the server serves the agent no resource and no prompt (default deny);
 * a deny rule wins over any allow. Saving the same subject, kind and pattern replaces it.
 */
export function ServerItemGrants({
  server,
  subjects,
  canWrite,
}: {
  server: { id: string; name: string };
  subjects: Subject[];
  canWrite: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const grants = useQuery(trpc.itemGrants.list.queryOptions({ serverId: server.id }));
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.itemGrants.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.itemGrants.preview.queryKey() }),
    ]);
  const save = useMutation(trpc.itemGrants.set.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(trpc.itemGrants.delete.mutationOptions({ onSettled: refresh }));
  const [subjectKey, setSubjectKey] = useState("");
  /** Chosen with the person picker when the subject is "A person…". */
  const [person, setPerson] = useState<{ id: string; name: string } | null>(null);
  const [kind, setKind] = useState<Kind>("resource");
  const [pattern, setPattern] = useState("");
  const [effect, setEffect] = useState<"allow" | "deny">("allow");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const subject =
      subjectKey === PERSON
        ? person && { type: "user" as const, id: person.id }
        : subjects.find((s) => `${s.type}:${s.id}` === subjectKey);
    const problems: Record<string, string> = {};
    if (!subject)
      problems.subject = subjectKey === PERSON ? "Find the person" : "Choose a team, an agent or a person";
    if (pattern.trim() === "")
      problems.pattern = `Enter a ${kind === "resource" ? "URI" : "prompt name"} or a pattern`;
    setErrors(problems);
    if (!subject || Object.keys(problems).length > 0) return;
    save.mutate(
      {
        subject: { type: subject.type, id: subject.id },
        serverId: server.id,
        kind,
        pattern: pattern.trim(),
        effect,
        reason: reason.trim() || null,
      },
      {
        onSuccess: () => {
          setPattern("");
          setReason("");
        },
        onError: (error) => setErrors({ form: errorMessage(error), ...fieldErrors(error) }),
      },
    );
  };

  if (grants.error) return <ErrorState error={grants.error} />;
  if (!grants.data) return <SkeletonRows rows={2} label="Loading resource and prompt grants…" />;
  return (
    <section aria-labelledby="item-rules-heading" className="space-y-3">
      <p className="max-w-2xl text-sm text-slate-600">
        Tool grants expose no resources or prompts. An allow rule here serves what its pattern matches (
        <code>*</code> any run, <code>?</code> one character); a deny rule wins over any allow. Reads and
        prompt gets pass the same DLP, rate limits and audit as tool calls.
      </p>
      <h3 id="item-rules-heading" className="text-sm font-semibold text-slate-900">
        Resource and prompt rules on {server.name}
      </h3>
      {grants.data.length === 0 ? (
        <p className="text-sm text-slate-500">
          No rules: {server.name} serves no resource and no prompt to anyone.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
          {grants.data.map((g) => {
            const name = `${g.subject.type} ${g.subject.name} ${g.kind} ${g.pattern}`;
            return (
              <li key={g.id} className="flex flex-wrap items-center gap-3 px-4 py-2">
                <span className="min-w-48">
                  <span className="text-xs text-slate-500">{g.subject.type}</span> {g.subject.name}
                </span>
                <span className="text-xs text-slate-500">{g.kind}</span>
                <code className="min-w-32 font-mono text-xs">{g.pattern}</code>
                <StatusBadge status={g.effect} label={g.effect === "allow" ? "Allowed" : "Denied"} />
                {g.reason && <span className="text-xs text-slate-600">“{g.reason}”</span>}
                {canWrite && (
                  <Button
                    variant="ghost"
                    size="sm"
                    className="ml-auto"
                    aria-label={`Delete grant ${name}`}
                    onClick={() => remove.mutate({ id: g.id })}
                    disabled={remove.isPending}
                  >
                    Delete
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {canWrite && (
        <form
          onSubmit={submit}
          noValidate
          aria-label="Add a resource or prompt rule"
          className="grid items-start gap-3 rounded-lg border border-slate-200 bg-slate-50 p-4 md:grid-cols-6"
        >
          <Field label="Team or agent" error={errors.subject} className="md:col-span-2">
            <Select
              value={subjectKey}
              onChange={(e) => setSubjectKey(e.target.value)}
              placeholder="Choose…"
              options={[
                ...subjects.map((s) => ({
                  value: `${s.type}:${s.id}`,
                  label: `${s.type === "team" ? "Team" : "Agent"} ${s.name}`,
                })),
                { value: PERSON, label: "A person…" },
              ]}
            />
          </Field>
          <Field label="Kind">
            <Select
              value={kind}
              onChange={(e) => setKind(e.target.value as Kind)}
              options={(["resource", "prompt"] as const).map((v) => ({ value: v, label: KIND_LABELS[v] }))}
            />
          </Field>
          <Field
            label="Pattern"
            error={errors.pattern}
            hint="A resource URI or prompt name; * any run, ? one character"
          >
            <Input
              value={pattern}
              onChange={(e) => setPattern(e.target.value)}
              className="font-mono"
              placeholder={PLACEHOLDER[kind]}
            />
          </Field>
          <Field label="Effect">
            <Select
              value={effect}
              onChange={(e) => setEffect(e.target.value as "allow" | "deny")}
              options={[
                { value: "allow", label: "Allow" },
                { value: "deny", label: "Deny" },
              ]}
            />
          </Field>
          <Field label="Reason" error={errors.reason}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          {subjectKey === PERSON && (
            <div className="space-y-1 md:col-span-6">
              <PersonPicker onPick={(id, name) => setPerson({ id, name })} />
              {person && <p className="text-xs text-slate-700">Person: {person.name}</p>}
            </div>
          )}
          <div className="flex items-center gap-3 md:col-span-6">
            <Button type="submit" loading={save.isPending}>
              Add rule
            </Button>
            {errors.form && (
              <p role="alert" className="text-sm text-red-700">
                {errors.form}
              </p>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
