"use client";

import { can } from "@portcullis/auth/permissions";
import * as RadixDialog from "@radix-ui/react-dialog";
import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../servers/use-debounced";
import { useMe } from "./me-context";
import { NAV_ITEMS } from "./nav-items";

type Hit = {
  kind: "server" | "tool" | "team" | "agent" | "person" | "policy" | "portal";
  id: string;
  name: string;
  detail: string | null;
  parentId: string | null;
  email?: string;
};

const GROUPS: Array<{ kind: Hit["kind"]; heading: string }> = [
  { kind: "server", heading: "Servers" },
  { kind: "tool", heading: "Tools" },
  { kind: "team", heading: "Teams" },
  { kind: "agent", heading: "Agents" },
  { kind: "person", heading: "People" },
  { kind: "policy", heading: "Policies" },
  { kind: "portal", heading: "Portals" },
];

/** Where a hit opens: its own page, or the page that shows it (a team opens its access). */
function hrefOf(hit: Hit): string {
  switch (hit.kind) {
    case "server":
      return `/servers/${hit.id}`;
    case "tool":
      return `/servers/${hit.parentId}/tools/${hit.id}`;
    case "team":
      return `/grants?view=principal&for=team:${hit.id}`;
    case "agent":
      return `/agents/${hit.id}`;
    case "person":
      return `/members?search=${encodeURIComponent(hit.email ?? hit.name)}`;
    case "policy":
      return "/policies";
    case "portal":
      return `/portals?portal=${hit.id}`;
  }
}

/** Opens the palette on Ctrl+K / ⌘K from anywhere in the console. */
export function useCommandPaletteShortcut(open: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() === "k" && (e.metaKey || e.ctrlKey)) {
        e.preventDefault();
        open();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
}

/**
 * The console's one search box: pages, servers, tools, teams, agents, people, policies and portals,
 * found by the server (`search.everything`, only what the role may read) and chosen by
 * keyboard (cmdk: arrows, Enter, Escape) in a Radix dialog that traps focus.
 */
export function CommandPalette({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useMe();
  const [query, setQuery] = useState("");
  const debounced = useDebounced(query.trim(), 150);
  const hits = useQuery({
    ...trpc.search.everything.queryOptions({ query: debounced, perKind: 5 }),
    enabled: open && debounced !== "",
    placeholderData: (previous) => previous,
  });
  const text = query.trim().toLowerCase();
  const pages = NAV_ITEMS.filter((item) => can(me.role, item.permission)).filter(
    (item) => !text || item.label.toLowerCase().includes(text),
  );
  const found: Hit[] = debounced === "" ? [] : (hits.data ?? []);
  // Results arrive after the keystrokes: keep the highlighted item one that exists (the
  // first, unless the person moved), so Enter always opens something.
  const values = [
    ...pages.map((p) => `page:${p.href}`),
    ...GROUPS.flatMap(({ kind }) => found.filter((h) => h.kind === kind).map((h) => `${h.kind}:${h.id}`)),
  ];
  const [selected, setSelected] = useState("");
  const current = values.includes(selected) ? selected : (values[0] ?? "");
  const go = (href: string) => {
    onOpenChange(false);
    setQuery("");
    router.push(href);
  };

  return (
    <RadixDialog.Root open={open} onOpenChange={onOpenChange}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <RadixDialog.Content
          aria-describedby={undefined}
          className="fixed top-24 left-1/2 z-50 w-[min(40rem,calc(100%-2rem))] -translate-x-1/2 overflow-hidden rounded-xl bg-white shadow-2xl focus:outline-none"
        >
          <RadixDialog.Title className="sr-only">Search the console</RadixDialog.Title>
          <Command
            label="Search the console"
            shouldFilter={false}
            loop
            value={current}
            onValueChange={setSelected}
          >
            <Command.Input
              value={query}
              onValueChange={setQuery}
              placeholder="Search servers, tools, teams, agents, people, policies, portals…"
              className="h-12 w-full border-0 border-b border-slate-200 px-4 text-sm text-slate-900 placeholder:text-slate-500 focus:outline-none"
            />
            <Command.List className="max-h-96 overflow-y-auto p-2">
              {debounced !== "" && hits.data && pages.length === 0 && found.length === 0 && (
                <Command.Empty className="px-3 py-6 text-center text-sm text-slate-600">
                  Nothing matches “{query.trim()}”.
                </Command.Empty>
              )}
              {pages.length > 0 && (
                <Command.Group heading="Pages" className={GROUP}>
                  {pages.map((item) => (
                    <Command.Item
                      key={item.href}
                      value={`page:${item.href}`}
                      onSelect={() => go(item.href)}
                      className={ITEM}
                    >
                      {item.label}
                    </Command.Item>
                  ))}
                </Command.Group>
              )}
              {GROUPS.map(({ kind, heading }) => {
                const items = found.filter((h) => h.kind === kind);
                if (items.length === 0) return null;
                return (
                  <Command.Group key={kind} heading={heading} className={GROUP}>
                    {items.map((hit) => (
                      <Command.Item
                        key={`${hit.kind}:${hit.id}`}
                        value={`${hit.kind}:${hit.id}`}
                        onSelect={() => go(hrefOf(hit))}
                        className={ITEM}
                      >
                        <span className={hit.kind === "tool" ? "font-mono text-xs" : "font-medium"}>
                          {hit.name}
                        </span>
                        {hit.detail && (
                          <span className="ml-2 truncate text-xs text-slate-600">{hit.detail}</span>
                        )}
                      </Command.Item>
                    ))}
                  </Command.Group>
                );
              })}
            </Command.List>
          </Command>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

const GROUP =
  "mb-1 [&_[cmdk-group-heading]]:px-3 [&_[cmdk-group-heading]]:py-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:text-slate-600 [&_[cmdk-group-heading]]:uppercase";
const ITEM =
  "flex cursor-pointer items-center rounded-md px-3 py-2 text-sm text-slate-800 data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900";
