import { Badge, StatusBadge } from "../ui/badge";

/** The effective risk class, marked when an admin overrode the one derived from annotations. */
export function RiskBadge({ risk, overridden }: { risk: string; overridden?: boolean }) {
  return (
    <span className="inline-flex items-center gap-1">
      <StatusBadge status={risk} />
      {overridden && (
        <Badge tone="purple" className="px-1.5">
          <span title="Set by an admin">override</span>
        </Badge>
      )}
    </span>
  );
}
