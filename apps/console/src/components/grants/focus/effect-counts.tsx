import { Badge } from "../../ui/badge";
import { ACCESS_LABELS, type AccessEffect } from "./access-model";

const TONES = { allow: "green", approve: "yellow", deny: "red", none: "neutral" } as const;

/** "12 allowed · 3 requires approval · 40 no grant": only the effects that occur. */
export function EffectCounts({ counts }: { counts: Record<AccessEffect, number> }) {
  const shown = (Object.keys(TONES) as AccessEffect[]).filter((e) => counts[e] > 0);
  if (shown.length === 0) return <span className="text-sm text-slate-600">No tool</span>;
  return (
    <span className="flex flex-wrap gap-1.5">
      {shown.map((e) => (
        <Badge key={e} tone={TONES[e]}>
          {counts[e].toLocaleString("en")} {ACCESS_LABELS[e].toLowerCase()}
        </Badge>
      ))}
    </span>
  );
}
