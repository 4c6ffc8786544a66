"use client";

import { useEffect, useState } from "react";
import { cn } from "../ui/cn";

/**
 * Time left until `expiresAt`, ticking every second. `clockOffsetMs` (server time minus the
 * browser's) keeps it right when the browser's clock is off.
 */
export function Countdown({ expiresAt, clockOffsetMs }: { expiresAt: Date; clockOffsetMs: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, expiresAt.getTime() - (now + clockOffsetMs));
  const s = Math.floor(left / 1000);
  const text =
    s >= 3600
      ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
      : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return (
    <span
      className={cn("font-mono tabular-nums", s < 60 ? "font-semibold text-red-700" : "text-slate-700")}
      title={expiresAt.toISOString()}
    >
      {left === 0 ? "expired" : `expires in ${text}`}
    </span>
  );
}
