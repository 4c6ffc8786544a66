"use client";

import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../../servers/use-debounced";
import type { PrincipalRef } from "./access-model";

/**
 * Finds a team, an agent or a person (by name or email) — the server searches; cmdk gives
 * the combobox its keyboard and ARIA behaviour. A person's grants are `user` grants.
 */
/** Search hits that are principals, as the grants API names them (a person is a `user`). */
const PRINCIPAL_OF_HIT: Partial<Record<string, PrincipalRef["type"]>> = {
  team: "team",
  agent: "agent",
  person: "user",
};

export function PrincipalPicker({ onPick }: { onPick: (ref: PrincipalRef, name: string) => void }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const debounced = useDebounced(query.trim(), 200);
  const hits = useQuery({
    ...trpc.search.everything.queryOptions({
      query: debounced,
      kinds: ["team", "agent", "person"],
      perKind: 8,
    }),
    enabled: debounced !== "",
    placeholderData: (previous) => previous,
  });
  return (
    <Command
      label="Find a team, agent or person"
      shouldFilter={false}
      className="relative w-96 rounded-md bg-white shadow-sm ring-1 ring-slate-300 ring-inset focus-within:ring-2 focus-within:ring-indigo-600"
    >
      <Command.Input
        value={query}
        onValueChange={setQuery}
        placeholder="Find a team, agent or person…"
        className="h-9 w-full rounded-md border-0 bg-transparent px-3 text-sm text-slate-900 placeholder:text-slate-500 focus:outline-none"
      />
      {/* Always rendered (hidden while empty): the input's aria-controls points at it. */}
      <Command.List
        hidden={debounced === ""}
        className="absolute top-10 right-0 left-0 z-20 max-h-72 overflow-y-auto rounded-md bg-white py-1 shadow-lg ring-1 ring-slate-200"
      >
        {hits.data && (
          <Command.Empty className="px-3 py-2 text-sm text-slate-600">
            No team, agent or person matches.
          </Command.Empty>
        )}
        {(hits.data ?? []).map((hit) => {
          const type = PRINCIPAL_OF_HIT[hit.kind];
          return type ? (
            <Command.Item
              key={`${hit.kind}:${hit.id}`}
              value={`${hit.kind}:${hit.id}`}
              onSelect={() => {
                onPick({ type, id: hit.id }, hit.name);
                setQuery("");
              }}
              className="flex cursor-pointer items-center justify-between gap-3 px-3 py-1.5 text-sm text-slate-800 data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900"
            >
              <span>
                <span className="font-medium">{hit.name}</span>
                {hit.detail && <span className="ml-2 text-xs text-slate-600">{hit.detail}</span>}
              </span>
              <span className="text-xs text-slate-600">{hit.kind}</span>
            </Command.Item>
          ) : null;
        })}
      </Command.List>
    </Command>
  );
}
