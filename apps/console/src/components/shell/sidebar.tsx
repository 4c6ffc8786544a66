"use client";

import { can } from "@portcullis/auth/permissions";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useCallback, useState } from "react";
import { cn } from "../ui/cn";
import { CommandPalette, useCommandPaletteShortcut } from "./command-palette";
import { useMe } from "./me-context";
import { NAV_ITEMS } from "./nav-items";
import { SignOutButton } from "./sign-out-button";

function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

/** The console's navigation: only the sections the signed-in role may open. */
export function Sidebar() {
  const me = useMe();
  const pathname = usePathname();
  const items = NAV_ITEMS.filter((item) => can(me.role, item.permission));
  const [searching, setSearching] = useState(false);
  useCommandPaletteShortcut(useCallback(() => setSearching(true), []));
  return (
    <aside className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
      <div className="flex h-14 items-center gap-2 border-b border-slate-200 px-4">
        <span
          aria-hidden="true"
          className="grid size-7 place-items-center rounded-md bg-indigo-600 font-bold text-white"
        >
          P
        </span>
        <span className="font-semibold">Portcullis</span>
      </div>
      <div className="px-2 pt-2">
        <button
          type="button"
          onClick={() => setSearching(true)}
          aria-keyshortcuts="Control+K Meta+K"
          className="flex w-full items-center justify-between rounded-md px-3 py-2 text-sm text-slate-700 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          Search…
          <kbd className="font-sans text-xs text-slate-600">Ctrl K</kbd>
        </button>
      </div>
      <CommandPalette open={searching} onOpenChange={setSearching} />
      <nav aria-label="Main" className="flex-1 space-y-0.5 p-2">
        {items.map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <Link
              key={item.href}
              href={item.href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "block rounded-md px-3 py-2 text-sm font-medium",
                "focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-indigo-600",
                active ? "bg-indigo-50 text-indigo-700" : "text-slate-700 hover:bg-slate-100",
              )}
            >
              {item.label}
            </Link>
          );
        })}
      </nav>
      <div className="border-t border-slate-200 p-3 text-sm">
        <p className="truncate font-medium text-slate-900" title={me.user.email}>
          {me.user.name ?? me.user.email}
        </p>
        <p className="truncate text-xs text-slate-500">{me.user.email}</p>
        <p className="mt-1 text-xs text-slate-500">
          <span className="sr-only">Role: </span>
          <span data-testid="current-role" className="font-medium text-slate-700">
            {me.role}
          </span>{" "}
          in {me.org.name}
        </p>
        <SignOutButton className="mt-3 w-full" />
      </div>
    </aside>
  );
}
