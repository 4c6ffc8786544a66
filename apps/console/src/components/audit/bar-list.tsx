import Link from "next/link";
import type { ReactNode } from "react";
import { count } from "@/lib/format";

export interface BarItem {
  key: string;
  label: ReactNode;
  value: number;
  /** Shown right of the number, e.g. "3 denied". */
  detail?: ReactNode;
  /** Opens the audit search narrowed to this item. */
  href?: string;
}

/** A ranked list with proportional bars (plain CSS), for "top N" and "by reason" panels. */
export function BarList({
  items,
  empty,
  tone = "bg-indigo-100",
}: {
  items: BarItem[];
  empty: string;
  tone?: string;
}) {
  if (items.length === 0) return <p className="py-4 text-center text-sm text-slate-500">{empty}</p>;
  const max = Math.max(...items.map((i) => i.value), 1);
  return (
    <ul className="space-y-1.5">
      {items.map((item) => {
        const label = item.href ? (
          <Link href={item.href} className="hover:underline">
            {item.label}
          </Link>
        ) : (
          item.label
        );
        return (
          <li key={item.key} className="relative overflow-hidden rounded-md px-2 py-1 text-sm">
            <div
              aria-hidden="true"
              className={`absolute inset-y-0 left-0 ${tone}`}
              style={{ width: `${(item.value / max) * 100}%` }}
            />
            <div className="relative flex items-center justify-between gap-3">
              <span className="min-w-0 truncate text-slate-800">{label}</span>
              <span className="shrink-0 tabular-nums text-slate-700">
                {count(item.value)}
                {item.detail && <span className="ml-2 text-xs text-slate-600">{item.detail}</span>}
              </span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
