import { Badge, type BadgeTone } from "../ui/badge";

const TONES: Record<string, BadgeTone> = {
  allowed: "green",
  denied: "red",
  error: "red",
  invalid: "yellow",
  unauthenticated: "yellow",
};

/** What the gateway decided, colored the same way everywhere in the audit views. */
export function DecisionBadge({ decision, isError }: { decision: string; isError?: boolean }) {
  if (decision === "allowed" && isError) return <Badge tone="yellow">allowed · tool error</Badge>;
  return <Badge tone={TONES[decision] ?? "neutral"}>{decision}</Badge>;
}
