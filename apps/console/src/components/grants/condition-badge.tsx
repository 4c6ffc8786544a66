"use client";

import { Badge } from "../ui/badge";

/**
 * Marks an `approve` grant that holds only some calls: "approval if…", with the condition in
 * words as its tooltip (and for screen readers) (the matrix cell has no room for the condition).
 */
export function ConditionBadge({ when, className }: { when: string; className?: string }) {
  const text = `Requires approval only when ${when}; other calls are allowed`;
  return (
    <span title={text} className={className}>
      <Badge tone="yellow">approval if…</Badge>
      <span className="sr-only"> {text}</span>
    </span>
  );
}
