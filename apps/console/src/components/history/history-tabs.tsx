import Link from "next/link";
import { cn } from "../ui/cn";

const TABS = [
  { href: "/history", label: "Config versions" },
  { href: "/history/audit", label: "Admin audit log" },
] as const;

export function HistoryTabs({ current }: { current: (typeof TABS)[number]["href"] }) {
  return (
    <nav aria-label="History" className="mb-6 flex gap-1 border-b border-slate-200">
      {TABS.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={t.href === current ? "page" : undefined}
          className={cn(
            "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
            t.href === current
              ? "border-indigo-600 text-indigo-700"
              : "border-transparent text-slate-600 hover:text-slate-900",
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
