"use client";

import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../servers/use-debounced";

/**
 * Finds a person of the organization by name or email (the server searches: an
 * organization may have 10,000) and hands back their email, which is what a policy's
 * `users:` scope stores. cmdk gives the combobox its keyboard and ARIA behaviour, as in
 * the grant editor's principal picker; people already chosen are not offered again.
 */
export function PeoplePicker({
  chosen,
  onPick,
}: {
  chosen: ReadonlySet<string | null>;
  onPick: (email: string) => void;
}) {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const debounced = useDebounced(query.trim(), 200);
  const hits = useQuery({
    ...trpc.search.everything.queryOptions({ query: debounced, kinds: ["person"], perKind: 8 }),
    enabled: debounced !== "",
    placeholderData: (previous) => previous,
  });
  const people = (hits.data ?? []).filter((h) => h.email !== undefined && !chosen.has(h.email));
  return (
    <Command
      label="Add a person"
      shouldFilter={false}
      className="relative mt-1.5 w-72 rounded-md bg-white shadow-sm ring-1 ring-slate-300 ring-inset focus-within:ring-2 focus-within:ring-indigo-600"
    >
      <Command.Input
        value={query}
        onValueChange={setQuery}
        placeholder="Find a person by name or email…"
        className="h-9 w-full rounded-md border-0 bg-transparent px-3 text-sm text-slate-900 placeholder:text-slate-500 focus:outline-none"
      />
      {/* Always rendered (hidden while empty): the input's aria-controls points at it. */}
      <Command.List
        hidden={debounced === ""}
        className="absolute top-10 right-0 left-0 z-20 max-h-60 overflow-y-auto rounded-md bg-white py-1 shadow-lg ring-1 ring-slate-200"
      >
        {hits.data && (
          <Command.Empty className="px-3 py-2 text-sm text-slate-600">No one else matches.</Command.Empty>
        )}
        {people.map((person) => (
          <Command.Item
            key={person.id}
            value={person.id}
            onSelect={() => {
              onPick(person.email!);
              setQuery("");
            }}
            className="flex cursor-pointer flex-col px-3 py-1.5 text-sm text-slate-800 data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900"
          >
            <span className="font-medium">{person.name}</span>
            {person.name !== person.email && <span className="text-xs text-slate-600">{person.email}</span>}
          </Command.Item>
        ))}
      </Command.List>
    </Command>
  );
}
