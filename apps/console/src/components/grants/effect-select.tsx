"use client";

import { cn } from "../ui/cn";
import { Select } from "../ui/input";
import { EFFECT_LABELS, type Effect } from "./grant-model";

const TONE: Record<Effect | "", string> = {
  "": "text-slate-500",
  allow: "bg-green-50 text-green-900",
  approve: "bg-amber-50 text-amber-900",
  deny: "bg-red-50 text-red-900",
};

/** One matrix cell: no grant / allow / requires approval / deny. */
export function EffectSelect({
  label,
  value,
  noneLabel = "— (deny)",
  disabled,
  onChange,
}: {
  /** Accessible name: "Grant for team platform on everything". */
  label: string;
  value: Effect | "";
  /** What "no grant" means here (inherited effects read differently from plain deny). */
  noneLabel?: string;
  disabled?: boolean;
  onChange: (value: Effect | "") => void;
}) {
  return (
    <Select
      aria-label={label}
      title={value === "" ? noneLabel : EFFECT_LABELS[value]}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value as Effect | "")}
      className={cn("h-8 min-w-36 py-1 pr-7 pl-2 text-xs", TONE[value])}
      options={[
        { value: "", label: noneLabel },
        { value: "allow", label: EFFECT_LABELS.allow },
        { value: "approve", label: EFFECT_LABELS.approve },
        { value: "deny", label: EFFECT_LABELS.deny },
      ]}
    />
  );
}
