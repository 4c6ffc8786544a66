"use client";

import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { useMemo, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../servers/use-debounced";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { SkeletonRows } from "../ui/spinner";
import { PreviewTable } from "./agent-preview";

const FILTER_FROM = 50;

/**
 * "What can this person see?": the tools a person's MCP client is offered once they sign in
 * (their own grants and every one of their teams'), computed on the server by the policy
 * package's `personView` (grants.previewPerson).
 */
export function PersonPreview({
  userId,
  onPersonChange,
}: {
  userId: string;
  onPersonChange: (id: string) => void;
}) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  const preview = useQuery({
    ...trpc.grants.previewPerson.queryOptions({ userId }),
    enabled: userId !== "",
  });
  const rows = useMemo(() => {
    const text = filter.trim().toLowerCase();
    return (preview.data?.tools ?? []).filter((t) => !text || t.exposedName.toLowerCase().includes(text));
  }, [preview.data, filter]);
  const person = preview.data?.person;
  const name = person ? (person.name ? `${person.name} (${person.email})` : person.email) : "the person";

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <PersonPicker onPick={onPersonChange} />
        {preview.data && preview.data.tools.length > FILTER_FROM && (
          <Field label="Filter tools" className="w-64">
            <Input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </Field>
        )}
      </div>
      {userId === "" ? (
        <p className="text-sm text-slate-500">
          Find a person to see the tools their MCP client is offered when they sign in.
        </p>
      ) : preview.error ? (
        <ErrorState error={preview.error} />
      ) : !preview.data ? (
        <SkeletonRows rows={3} label="Computing what the person sees…" />
      ) : preview.data.tools.length === 0 ? (
        <EmptyState
          title={
            person?.status === "suspended"
              ? `${name} is suspended: they see nothing`
              : `${name} sees no tools`
          }
          description="Default deny: grant one of their teams or the person themselves access to a server or tools."
        />
      ) : (
        <div className="space-y-3">
          <p role="status" className="text-sm text-slate-700">
            <strong>{name}</strong> sees {preview.data.tools.length} tool
            {preview.data.tools.length === 1 ? "" : "s"} through their own grants and those of{" "}
            {person?.teamIds.length ?? 0} team{person?.teamIds.length === 1 ? "" : "s"};{" "}
            {preview.data.tools.filter((t) => t.approval.mode !== "never").length} need approval.
          </p>
          <PreviewTable label={`Tools ${name} sees`} rows={rows} />
        </div>
      )}
    </div>
  );
}

/** Finds a member by name or email (the server searches, 10,000 people stay out of the page). */
export function PersonPicker({ onPick }: { onPick: (id: string, name: string) => void }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const debounced = useDebounced(query.trim(), 200);
  const hits = useQuery({
    ...trpc.search.everything.queryOptions({ query: debounced, kinds: ["person"], perKind: 10 }),
    enabled: debounced !== "",
    placeholderData: (previous) => previous,
  });
  return (
    <Command
      label="Find a person"
      shouldFilter={false}
      className="relative w-96 rounded-md bg-white shadow-sm ring-1 ring-slate-300 ring-inset focus-within:ring-2 focus-within:ring-indigo-600"
    >
      <Command.Input
        value={query}
        onValueChange={setQuery}
        placeholder="Find a person by name or email…"
        className="h-9 w-full rounded-md border-0 bg-transparent px-3 text-sm text-slate-900 placeholder:text-slate-500 focus:outline-none"
      />
      <Command.List
        hidden={debounced === ""}
        className="absolute top-10 right-0 left-0 z-20 max-h-72 overflow-y-auto rounded-md bg-white py-1 shadow-lg ring-1 ring-slate-200"
      >
        {hits.data && (
          <Command.Empty className="px-3 py-2 text-sm text-slate-600">No person matches.</Command.Empty>
        )}
        {(hits.data ?? []).map((hit) => (
          <Command.Item
            key={hit.id}
            value={hit.id}
            onSelect={() => {
              onPick(hit.id, hit.name);
              setQuery("");
            }}
            className="flex cursor-pointer items-center justify-between gap-3 px-3 py-1.5 text-sm text-slate-800 data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900"
          >
            <span className="font-medium">{hit.name}</span>
            {hit.detail && <span className="text-xs text-slate-600">{hit.detail}</span>}
          </Command.Item>
        ))}
      </Command.List>
    </Command>
  );
}
