import type { ReactNode } from "react";
import { cn } from "./cn";

export type BadgeTone = "neutral" | "green" | "yellow" | "red" | "blue" | "purple";

const TONES: Record<BadgeTone, string> = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-500/20",
  green: "bg-green-50 text-green-800 ring-green-600/20",
  yellow: "bg-amber-50 text-amber-800 ring-amber-600/20",
  red: "bg-red-50 text-red-800 ring-red-600/20",
  blue: "bg-sky-50 text-sky-800 ring-sky-600/20",
  purple: "bg-violet-50 text-violet-800 ring-violet-600/20",
};

export function Badge({
  tone = "neutral",
  children,
  className,
}: {
  tone?: BadgeTone;
  children: ReactNode;
  className?: string;
}) {
  return (
    <span
      className={cn(
        "inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap",
        TONES[tone],
        className,
      )}
    >
      {children}
    </span>
  );
}

/** The usual tone for a status word, so the same state looks the same on every page. */
export function statusTone(status: string | null | undefined): BadgeTone {
  switch (status) {
    case "healthy":
    case "active":
    case "allow":
    case "completed":
    case "done":
      return "green";
    case "unhealthy":
    case "deny":
    case "revoked":
    case "failed":
    case "destructive":
    case "quarantined":
      return "red";
    case "approve":
    case "write":
    case "expired":
    case "disabled":
      return "yellow";
    case "read":
      return "blue";
    default:
      return "neutral";
  }
}

/** A Badge whose tone follows the status word it shows. */
export function StatusBadge({ status, label }: { status: string | null | undefined; label?: string }) {
  return <Badge tone={statusTone(status)}>{label ?? status ?? "unknown"}</Badge>;
}
