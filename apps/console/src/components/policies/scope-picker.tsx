"use client";

import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { PeoplePicker } from "./people-picker";
import type { ScopeItem, ScopeListName } from "./policy-draft";

const NOUNS: Record<ScopeListName, { one: string; all: string }> = {
  teams: { one: "team", all: "All teams" },
  agents: { one: "agent", all: "All agents" },
  servers: { one: "server", all: "All servers" },
  tools: { one: "tool", all: "All tools" },
  users: { one: "person", all: "Every caller (people and agents' keys)" },
};

/**
 * A multi-select of names for one scope list: chips for what is chosen (red for something
 * deleted since), and a select to add more (people: a search of the organization's people,
 * saved by email). Nothing chosen means "all", said in words.
 */
export function ScopePicker({
  list,
  value,
  options,
  onChange,
  error,
  disabled,
  loading,
}: {
  list: ScopeListName;
  value: ScopeItem[];
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange: (next: ScopeItem[]) => void;
  error?: string;
  disabled?: boolean;
  loading?: boolean;
}) {
  const noun = NOUNS[list];
  const chosen = new Set(value.map((v) => v.name));
  const remaining = options.filter((o) => !chosen.has(o.value));
  return (
    <Field label={list[0]!.toUpperCase() + list.slice(1)} error={error}>
      <div className="flex flex-wrap items-center gap-1.5" data-testid={`scope-${list}`}>
        {value.length === 0 && <span className="text-sm text-slate-500">{noun.all}</span>}
        {value.map((item) => (
          <span
            key={item.ref}
            className={cn(
              "inline-flex items-center gap-1 rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
              item.name === null
                ? "bg-red-50 text-red-800 ring-red-600/20"
                : "bg-slate-100 text-slate-800 ring-slate-500/20",
            )}
            title={item.name === null ? `${noun.one} ${item.ref} no longer exists` : undefined}
          >
            {item.name ?? `deleted ${noun.one}`}
            {!disabled && (
              <button
                type="button"
                className="opacity-60 hover:opacity-100"
                aria-label={`Remove ${item.name ?? `deleted ${noun.one}`}`}
                onClick={() => onChange(value.filter((v) => v.ref !== item.ref))}
              >
                ✕
              </button>
            )}
          </span>
        ))}
        {value.length > 0 && !disabled && (
          <Button variant="ghost" size="sm" onClick={() => onChange([])}>
            Clear ({noun.all.toLowerCase()})
          </Button>
        )}
      </div>
      {!disabled && list === "users" && (
        <PeoplePicker
          chosen={chosen}
          onPick={(email) => !chosen.has(email) && onChange([...value, { ref: email, name: email }])}
        />
      )}
      {!disabled && list !== "users" && (
        <Select
          aria-label={`Add a ${noun.one}`}
          value=""
          onChange={(e) => {
            const name = e.target.value;
            if (name) onChange([...value, { ref: name, name }]);
          }}
          placeholder={
            loading ? "Loading…" : remaining.length === 0 ? `No more ${list} to add` : `Add a ${noun.one}…`
          }
          options={remaining}
          disabled={remaining.length === 0}
          className="mt-1.5 w-72"
        />
      )}
    </Field>
  );
}
