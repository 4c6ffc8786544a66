"use client";

import type { AuditFilterInput } from "@portcullis/api/routers/audit/filter-input";
import { auditDecision } from "@portcullis/contracts/audit";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { fromLocalInput, QUICK_RANGES, toLocalInput } from "./time-range";

/** The form's own state: strings, as the inputs hold them. */
interface Draft {
  q: string;
  from: string;
  to: string;
  agentId: string;
  teamId: string;
  userId: string;
  serverId: string;
  tool: string;
  decision: string;
  detector: string;
  portal: string;
  minLatencyMs: string;
  maxLatencyMs: string;
}

function toDraft(filter: AuditFilterInput): Draft {
  return {
    q: filter.q ?? "",
    from: toLocalInput(filter.from),
    to: toLocalInput(filter.to),
    agentId: filter.agentId ?? "",
    teamId: filter.teamId ?? "",
    userId: filter.userId ?? "",
    serverId: filter.serverId ?? "",
    tool: filter.tool ?? "",
    decision: filter.decision ?? "",
    detector: filter.detector ?? "",
    portal: filter.portal ?? "",
    minLatencyMs: filter.minLatencyMs?.toString() ?? "",
    maxLatencyMs: filter.maxLatencyMs?.toString() ?? "",
  };
}

/** The draft as a filter, or the message of each field that does not parse. */
function fromDraft(
  d: Draft,
): { filter: AuditFilterInput } | { errors: Partial<Record<keyof Draft, string>> } {
  const errors: Partial<Record<keyof Draft, string>> = {};
  const number = (key: "minLatencyMs" | "maxLatencyMs") => {
    if (!d[key].trim()) return undefined;
    const n = Number(d[key]);
    if (!Number.isFinite(n) || n < 0) errors[key] = "A number of milliseconds, 0 or more";
    return n;
  };
  const from = fromLocalInput(d.from);
  const to = fromLocalInput(d.to);
  const minLatencyMs = number("minLatencyMs");
  const maxLatencyMs = number("maxLatencyMs");
  if (from && to && from >= to) errors.to = "Must be after the start";
  if (minLatencyMs !== undefined && maxLatencyMs !== undefined && minLatencyMs > maxLatencyMs) {
    errors.maxLatencyMs = "Must not be below the minimum";
  }
  if (Object.keys(errors).length > 0) return { errors };
  const text = (v: string) => v.trim() || undefined;
  const filter: AuditFilterInput = {
    q: text(d.q),
    from,
    to,
    agentId: text(d.agentId),
    teamId: text(d.teamId),
    userId: text(d.userId),
    serverId: text(d.serverId),
    tool: text(d.tool),
    decision: (text(d.decision) as AuditFilterInput["decision"]) ?? undefined,
    detector: text(d.detector),
    portal: text(d.portal),
    minLatencyMs,
    maxLatencyMs,
  };
  return {
    filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as AuditFilterInput,
  };
}

/**
 * The audit search form. Filters apply on "Search" (one query per decision, not per key),
 * and `onApply` receives them; the page keeps them in the URL so a search can be shared.
 */
export function AuditFilters({
  value,
  onApply,
}: {
  value: AuditFilterInput;
  onApply: (filter: AuditFilterInput) => void;
}) {
  const trpc = useTRPC();
  const [draft, setDraft] = useState<Draft>(() => toDraft(value));
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [more, setMore] = useState(() =>
    Boolean(
      value.teamId ||
        value.userId ||
        value.detector ||
        value.portal ||
        value.minLatencyMs ||
        value.maxLatencyMs,
    ),
  );
  // Back/forward in the browser changes the applied filter: show it.
  useEffect(() => setDraft(toDraft(value)), [value]);

  const agents = useQuery(trpc.agents.list.queryOptions());
  const teams = useQuery({ ...trpc.teams.list.queryOptions(), enabled: more });
  const servers = useQuery(trpc.servers.list.queryOptions());
  const members = useQuery({ ...trpc.members.list.queryOptions(), enabled: more });

  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = fromDraft(draft);
    if ("errors" in parsed) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    onApply(parsed.filter);
  };
  const quickRange = (ms: number) => {
    const next = { ...draft, from: toLocalInput(new Date(Date.now() - ms)), to: "" };
    setDraft(next);
    const parsed = fromDraft(next);
    if ("filter" in parsed) onApply(parsed.filter);
  };
  const clear = () => {
    setDraft(toDraft({}));
    setErrors({});
    onApply({});
  };

  return (
    <form
      onSubmit={submit}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      aria-label="Audit search"
    >
      <div className="flex flex-wrap items-end gap-3">
        <Field
          label="Search"
          hint='Words in tools, servers, agents, arguments and results. "a phrase", or, -exclude'
          className="min-w-64 flex-1"
        >
          <Input type="search" value={draft.q} onChange={set("q")} placeholder="e.g. invoice -draft" />
        </Field>
        <Field label="From" className="w-52">
          <Input type="datetime-local" value={draft.from} onChange={set("from")} />
        </Field>
        <Field label="To" error={errors.to} className="w-52">
          <Input type="datetime-local" value={draft.to} onChange={set("to")} />
        </Field>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Agent" className="w-48">
          <Select
            value={draft.agentId}
            onChange={set("agentId")}
            placeholder="Any agent"
            options={(agents.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
          />
        </Field>
        <Field label="Server" className="w-48">
          <Select
            value={draft.serverId}
            onChange={set("serverId")}
            placeholder="Any server"
            options={(servers.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          />
        </Field>
        <Field label="Tool" className="w-56">
          <Input value={draft.tool} onChange={set("tool")} placeholder="server__tool" />
        </Field>
        <Field label="Decision" className="w-44">
          <Select
            value={draft.decision}
            onChange={set("decision")}
            placeholder="Any decision"
            options={auditDecision.options.map((d) => ({ value: d, label: d }))}
          />
        </Field>
      </div>
      {more && (
        <div className="flex flex-wrap items-end gap-3">
          <Field label="Team" className="w-48">
            <Select
              value={draft.teamId}
              onChange={set("teamId")}
              placeholder="Any team"
              options={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
            />
          </Field>
          <Field label="User" className="w-56">
            <Select
              value={draft.userId}
              onChange={set("userId")}
              placeholder="Any user"
              options={(members.data ?? []).map((m) => ({ value: m.userId, label: m.email }))}
            />
          </Field>
          <Field label="DLP detector" className="w-44">
            <Input value={draft.detector} onChange={set("detector")} placeholder="e.g. email" />
          </Field>
          <Field label="Portal" className="w-44">
            <Input value={draft.portal} onChange={set("portal")} placeholder="e.g. conformance" />
          </Field>
          <Field label="Min latency (ms)" error={errors.minLatencyMs} className="w-36">
            <Input inputMode="decimal" value={draft.minLatencyMs} onChange={set("minLatencyMs")} />
          </Field>
          <Field label="Max latency (ms)" error={errors.maxLatencyMs} className="w-36">
            <Input inputMode="decimal" value={draft.maxLatencyMs} onChange={set("maxLatencyMs")} />
          </Field>
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit">Search</Button>
        <Button variant="ghost" onClick={() => setMore((m) => !m)} aria-expanded={more}>
          {more ? "Fewer filters" : "More filters"}
        </Button>
        <Button variant="ghost" onClick={clear}>
          Clear
        </Button>
        <span className="mx-1 h-5 w-px bg-slate-200" aria-hidden="true" />
        {QUICK_RANGES.map((r) => (
          <Button key={r.label} variant="secondary" size="sm" onClick={() => quickRange(r.ms)}>
            {r.label}
          </Button>
        ))}
      </div>
    </form>
  );
}
