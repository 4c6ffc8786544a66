import { Badge, type BadgeTone } from "../ui/badge";

/** Why a tool is in the review queue, as the API reports it. */
export interface Reason {
  flag: string;
  kind: "definition_changed" | "new_tool" | "prompt_injection" | "name_collision" | "other";
  detail: string | null;
}

const INJECTION_LABELS: Record<string, string> = {
  invisible_character: "hidden characters",
  bidi_control: "bidi controls",
  tag_character: "tag characters",
  model_instruction: "instructions to the model",
  sensitive_reference: "secrets or sensitive paths",
};

export function reasonLabel(reason: Reason): string {
  switch (reason.kind) {
    case "definition_changed":
      return "Definition changed";
    case "new_tool":
      return "New tool";
    case "prompt_injection":
      return `Injection marker: ${INJECTION_LABELS[reason.detail ?? ""] ?? reason.detail}`;
    case "name_collision":
      return `Same name as a tool of ${reason.detail}`;
    default:
      return reason.flag;
  }
}

const TONE: Record<Reason["kind"], BadgeTone> = {
  definition_changed: "yellow",
  new_tool: "blue",
  prompt_injection: "red",
  name_collision: "purple",
  other: "neutral",
};

export function ReasonBadges({ reasons }: { reasons: Reason[] }) {
  if (reasons.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <ul className="flex flex-wrap gap-1" aria-label="Reasons for review">
      {reasons.map((r) => (
        <li key={r.flag}>
          <Badge tone={TONE[r.kind]}>{reasonLabel(r)}</Badge>
        </li>
      ))}
    </ul>
  );
}
