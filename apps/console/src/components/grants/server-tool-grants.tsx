"use client";

import { MAX_APPROVAL_TIMEOUT_SEC } from "@portcullis/contracts/approval-policy";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../servers/use-debounced";
import { StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { ConditionField, conditionToText, parseConditionText } from "../ui/condition-field";
import { EmptyState } from "../ui/empty-state";
import { ErrorState, errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { SkeletonRows } from "../ui/spinner";
import { Pagination, useCursorPagination } from "../ui/table";
import { useToast } from "../ui/toast";
import { ConditionBadge } from "./condition-badge";
import { EffectSelect } from "./effect-select";
import {
  EFFECT_LABELS,
  type Effect,
  effectiveGrant,
  exactGrant,
  type Grant,
  grantConditionText,
  inheritedLabel,
  type Subject,
  subjectLabel,
} from "./grant-model";
import type { useGrantEditor } from "./use-grant-editor";

/**
 * One server's tools (rows, 25 a page) against teams and agents (columns): a cell is the
 * grant for exactly that tool; without one it says what applies (a `*` or pattern grant,
 * the team's grant, or default deny). Below: every rule on the server, and a form for
 * pattern rules with a reason, an approval timeout and an argument condition ("requires
 * approval" only when the arguments match); Edit loads a rule into it.
 */
export function ServerToolGrants({
  server,
  subjects,
  grants,
  editor,
  canWrite,
}: {
  server: { id: string; name: string };
  subjects: Subject[];
  grants: Grant[];
  editor: ReturnType<typeof useGrantEditor>;
  canWrite: boolean;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const debounced = useDebounced(search.trim());
  const { cursor, reset, paginationProps } = useCursorPagination();
  const tools = useQuery({
    ...trpc.tools.list.queryOptions({
      serverId: server.id,
      limit: 25,
      ...(debounced && { search: debounced }),
      ...(cursor && { cursor }),
    }),
    placeholderData: keepPreviousData,
  });
  const serverGrants = grants.filter((g) => g.serverId === server.id);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <p className="max-w-2xl text-sm text-slate-600">
          A cell sets the grant for exactly that tool. Without one, the most restrictive matching rule applies
          (a team&apos;s rules apply to its agents), else default deny.
        </p>
        <Field label={`Search tools of ${server.name}`} className="w-64">
          <Input
            type="search"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              reset();
            }}
          />
        </Field>
      </div>
      {tools.error ? (
        <ErrorState error={tools.error} />
      ) : !tools.data ? (
        <SkeletonRows rows={5} label="Loading tools…" />
      ) : tools.data.items.length === 0 && !cursor ? (
        <EmptyState
          title={debounced ? "No tool matches" : "No tools yet"}
          description={debounced ? undefined : "Sync the server's catalog first; its tools appear here."}
        />
      ) : (
        <div className="space-y-3">
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table
              className="min-w-full divide-y divide-slate-200 text-sm"
              aria-label={`Grants on the tools of ${server.name}`}
            >
              <thead className="bg-slate-50">
                <tr>
                  <th
                    scope="col"
                    className="sticky left-0 z-10 bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase"
                  >
                    Tool
                  </th>
                  {subjects.map((s) => (
                    <th
                      key={`${s.type}:${s.id}`}
                      scope="col"
                      className="px-3 py-2 text-left text-xs whitespace-nowrap"
                    >
                      <span className="text-slate-500">{s.type === "team" ? "Team" : "Agent"}</span>{" "}
                      <span className={cn("text-slate-900", s.type === "team" && "font-semibold")}>
                        {s.name}
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {tools.data.items.map((tool) => (
                  <tr key={tool.id} className="hover:bg-slate-50/60">
                    <th scope="row" className="sticky left-0 z-10 bg-white px-4 py-2 text-left font-normal">
                      <span className="font-mono text-xs text-slate-900">{tool.upstreamName}</span>{" "}
                      {tool.status !== "active" && <StatusBadge status={tool.status} />}
                    </th>
                    {subjects.map((subject) => {
                      const own = exactGrant(grants, subject, server.id, tool.upstreamName);
                      return (
                        <td key={`${subject.type}:${subject.id}`} className="px-3 py-1.5">
                          <EffectSelect
                            label={`Grant for ${subjectLabel(subject)} on ${tool.exposedName}`}
                            value={own?.effect ?? ""}
                            noneLabel={inheritedLabel(
                              effectiveGrant(grants, subject, server.id, tool.upstreamName),
                              subject,
                            )}
                            disabled={!canWrite}
                            onChange={(effect) => editor.change(subject, server, tool.upstreamName, effect)}
                          />
                          {own && grantConditionText(own) && (
                            <ConditionBadge when={grantConditionText(own)!} className="mt-1 block" />
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination {...paginationProps(tools.data.nextCursor, tools.isFetching)} />
        </div>
      )}

      <RulesOnServer
        server={server}
        grants={serverGrants}
        subjects={subjects}
        editor={editor}
        canWrite={canWrite}
      />
    </div>
  );
}

function RulesOnServer({
  server,
  grants,
  subjects,
  editor,
  canWrite,
}: {
  server: { id: string; name: string };
  grants: Grant[];
  subjects: Subject[];
  editor: ReturnType<typeof useGrantEditor>;
  canWrite: boolean;
}) {
  const trpc = useTRPC();
  const toast = useToast();
  const save = useMutation(trpc.grants.set.mutationOptions({ onSettled: editor.refresh }));
  const remove = useMutation(
    trpc.grants.delete.mutationOptions({
      onSettled: editor.refresh,
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const [editing, setEditing] = useState<string | null>(null);
  const [subjectKey, setSubjectKey] = useState("");
  const [pattern, setPattern] = useState("");
  const [effect, setEffect] = useState<Effect>("allow");
  const [timeout, setTimeoutSec] = useState("");
  const [reason, setReason] = useState("");
  const [condition, setCondition] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const reset = () => {
    setEditing(null);
    setPattern("");
    setReason("");
    setTimeoutSec("");
    setCondition("");
    setErrors({});
  };

  /** Loads a rule into the form: saving it again (same subject and tools) replaces it. */
  const edit = (g: Grant) => {
    setEditing(g.id);
    setSubjectKey(`${g.subject.type}:${g.subject.id}`);
    setPattern(g.toolPattern);
    setEffect(g.effect);
    setTimeoutSec(g.approvalTimeoutSec === null ? "" : String(g.approvalTimeoutSec));
    setReason(g.reason ?? "");
    setCondition(conditionToText(g.condition));
    setErrors({});
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    const subject = subjects.find((s) => `${s.type}:${s.id}` === subjectKey);
    if (!subject) problems.subject = "Choose a team or an agent";
    if (pattern.trim() === "") problems.toolPattern = "Enter a tool name or a pattern like get-* or *";
    const timeoutSec = timeout.trim() === "" ? null : Number(timeout);
    if (
      effect === "approve" &&
      timeoutSec !== null &&
      (!Number.isInteger(timeoutSec) || timeoutSec <= 0 || timeoutSec > MAX_APPROVAL_TIMEOUT_SEC)
    ) {
      problems.approvalTimeoutSec = `Enter whole seconds from 1 to ${MAX_APPROVAL_TIMEOUT_SEC} (7 days)`;
    }
    // Only an approve rule reads arguments; the field is hidden (and ignored) otherwise.
    const parsed =
      effect === "approve" ? parseConditionText(condition) : { ok: true as const, condition: undefined };
    // The field shows its own message as it is typed; the form only refuses to send.
    if (!parsed.ok) problems.condition = parsed.error;
    setErrors(problems);
    if (Object.keys(problems).length > 0 || !subject || !parsed.ok) return;
    save.mutate(
      {
        subject: { type: subject.type, id: subject.id },
        serverId: server.id,
        toolPattern: pattern.trim(),
        effect,
        approvalTimeoutSec: effect === "approve" ? timeoutSec : null,
        reason: reason.trim() || null,
        condition: parsed.condition ?? null,
      },
      {
        onSuccess: reset,
        onError: (error) => {
          const fields = conditionErrors(fieldErrors(error));
          // A message next to its field says it better than the whole error (zod's is JSON).
          const shown =
            Object.keys(fields).length > 0 && Object.keys(fields).every((f) => FORM_FIELDS.has(f));
          setErrors({ ...(!shown && { form: errorMessage(error) }), ...fields });
        },
      },
    );
  };

  return (
    <section aria-labelledby="rules-heading" className="space-y-3">
      <h3 id="rules-heading" className="text-sm font-semibold text-slate-900">
        All rules on {server.name}
      </h3>
      {grants.length === 0 ? (
        <p className="text-sm text-slate-500">No grants on this server: every call to it is denied.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
          {grants.map((g) => {
            const when = grantConditionText(g);
            const name = `${g.subject.type} ${g.subject.name} ${g.toolPattern}`;
            return (
              <li
                key={g.id}
                className={cn(
                  "flex flex-wrap items-center gap-3 px-4 py-2",
                  editing === g.id && "bg-indigo-50/60",
                )}
              >
                <span className="min-w-48">
                  <span className="text-xs text-slate-500">{g.subject.type}</span> {g.subject.name}
                </span>
                <code className="min-w-32 font-mono text-xs">{g.toolPattern}</code>
                <StatusBadge status={g.effect} label={EFFECT_LABELS[g.effect]} />
                {when && <span className="text-xs text-amber-900">only when {when}</span>}
                {g.approvalTimeoutSec !== null && (
                  <span className="text-xs text-slate-500">times out after {g.approvalTimeoutSec}s</span>
                )}
                {g.reason && <span className="text-xs text-slate-600">“{g.reason}”</span>}
                {canWrite && (
                  <span className="ml-auto flex gap-1">
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Edit grant ${name}`}
                      onClick={() => edit(g)}
                    >
                      Edit
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Delete grant ${name}`}
                      onClick={() => {
                        if (editing === g.id) reset();
                        remove.mutate({ id: g.id });
                      }}
                      disabled={remove.isPending}
                    >
                      Delete
                    </Button>
                  </span>
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
          aria-label={editing ? "Edit a rule" : "Add a rule"}
          className="grid items-start gap-3 rounded-lg border border-slate-200 bg-slate-50 p-4 md:grid-cols-6"
        >
          <Field label="Team or agent" error={errors.subject} className="md:col-span-2">
            <Select
              value={subjectKey}
              onChange={(e) => setSubjectKey(e.target.value)}
              placeholder="Choose…"
              options={subjects.map((s) => ({
                value: `${s.type}:${s.id}`,
                label: `${s.type === "team" ? "Team" : "Agent"} ${s.name}`,
              }))}
            />
          </Field>
          <Field
            label="Tools"
            error={errors.toolPattern}
            hint="A name, or a pattern: * any run, ? one character"
          >
            <Input
              value={pattern}
              onChange={(e) => setPattern(e.target.value)}
              className="font-mono"
              placeholder="get-*"
            />
          </Field>
          <Field label="Effect">
            <Select
              value={effect}
              onChange={(e) => setEffect(e.target.value as Effect)}
              options={(["allow", "approve", "deny"] as const).map((v) => ({
                value: v,
                label: EFFECT_LABELS[v],
              }))}
            />
          </Field>
          {effect === "approve" ? (
            <Field label="Approval timeout (s)" error={errors.approvalTimeoutSec}>
              <Input
                value={timeout}
                onChange={(e) => setTimeoutSec(e.target.value)}
                inputMode="numeric"
                placeholder="default"
              />
            </Field>
          ) : (
            <div />
          )}
          <Field label="Reason" error={errors.reason}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          {effect === "approve" && (
            <div className="md:col-span-6">
              <ConditionField
                value={condition}
                onChange={setCondition}
                error={errors.condition}
                hint={
                  "Optional. Only calls whose arguments match wait for a person; the others run as allowed. " +
                  'JSON, e.g. { "path": "env", "in": ["prod", "production"] }; combine with all, any, not. Empty: every call waits.'
                }
              />
            </div>
          )}
          <div className="flex items-center gap-3 md:col-span-6">
            <Button type="submit" loading={save.isPending}>
              {editing ? "Save rule" : "Add rule"}
            </Button>
            {editing && (
              <Button type="button" variant="secondary" onClick={reset}>
                Cancel
              </Button>
            )}
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

const FORM_FIELDS = new Set(["subject", "toolPattern", "approvalTimeoutSec", "reason", "condition"]);

/** Server field errors for the form: any `condition…` path (condition.all.0.path) is the condition's. */
function conditionErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (field === "condition" || field.startsWith("condition.")) {
      const where = field === "condition" ? "" : `${field.slice("condition.".length)}: `;
      out.condition ??= `${where}${message}`;
    } else out[field] = message;
  }
  return out;
}
