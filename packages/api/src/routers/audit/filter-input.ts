import { auditDecision } from "@portcullis/contracts/audit";
import { z } from "zod";

const id = z.string().trim().min(1).max(200);

/**
 * The audit views' filters, as the console sends them (tRPC input, and the export URL's
 * query string through `auditFilterFromSearchParams`). The organization is never one of
 * them: it comes from the caller's session.
 */
export const auditFilterFields = z.object({
  q: z.string().max(500).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  agentId: id.optional(),
  teamId: id.optional(),
  userId: id.optional(),
  serverId: id.optional(),
  tool: z.string().trim().min(1).max(300).optional(),
  decision: auditDecision.optional(),
  /** Requests through this portal (`/mcp/<portal>`) only. */
  portal: z.string().trim().min(1).max(64).optional(),
  detector: z.string().trim().min(1).max(100).optional(),
  minLatencyMs: z.number().nonnegative().optional(),
  maxLatencyMs: z.number().nonnegative().optional(),
});
export type AuditFilterInput = z.infer<typeof auditFilterFields>;

/** Adds the checks across fields (ranges the right way round) to a schema with the filter's fields. */
export function withAuditFilterChecks<T extends z.ZodType<AuditFilterInput>>(schema: T): T {
  return schema
    .refine((f) => !f.from || !f.to || f.from < f.to, { message: "`from` must be before `to`", path: ["to"] })
    .refine(
      (f) => f.minLatencyMs === undefined || f.maxLatencyMs === undefined || f.minLatencyMs <= f.maxLatencyMs,
      { message: "the minimum latency must not exceed the maximum", path: ["maxLatencyMs"] },
    );
}

export const auditFilterInput = withAuditFilterChecks(auditFilterFields);

const KEYS = [
  "q",
  "from",
  "to",
  "agentId",
  "teamId",
  "userId",
  "serverId",
  "tool",
  "decision",
  "portal",
  "detector",
  "minLatencyMs",
  "maxLatencyMs",
] as const satisfies ReadonlyArray<keyof AuditFilterInput>;

/**
 * The filter as URL query parameters (dates as ISO strings), for shareable search URLs and
 * the export link. Empty values are left out.
 */
export function auditFilterToSearchParams(filter: AuditFilterInput): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filter[key];
    if (value === undefined || value === "") continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params;
}

/**
 * Reads a filter back from query parameters; unknown parameters are ignored, blank ones
 * are absent. Throws a ZodError naming the bad parameter.
 */
export function auditFilterFromSearchParams(params: URLSearchParams): AuditFilterInput {
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === "from" || key === "to") raw[key] = new Date(value);
    else if (key === "minLatencyMs" || key === "maxLatencyMs") raw[key] = Number(value);
    else raw[key] = value;
  }
  return auditFilterInput.parse(raw);
}
