import type { ToolFinding } from "@portcullis/policy/tool-scan/findings";
import { scanToolDefinition } from "@portcullis/policy/tool-scan/scan-tool";
import { canonicalJson } from "../../canonical-json";
import type { Tx } from "../../db";
import { storedToolDefinition, type ToolDefinition } from "../../servers/tool-definition";
import { findTool } from "../find-tool";
import { diffJson, type JsonChange } from "./json-diff";
import { type ReviewReason, reviewReasons } from "./review-flags";
import { diffText, type TextDiffOp } from "./text-diff";

export const DEFINITION_FIELDS = [
  "name",
  "title",
  "description",
  "inputSchema",
  "outputSchema",
  "annotations",
] as const;
export type DefinitionField = (typeof DEFINITION_FIELDS)[number];

export interface FieldChange {
  field: DefinitionField;
  changed: boolean;
  /** Word-level runs: of the text (name, title, description), or of the pretty-printed JSON (sorted keys). */
  text: TextDiffOp[];
  /** JSON fields (schemas, annotations): one entry per differing leaf. */
  json?: JsonChange[];
}

export interface ToolDiff {
  tool: {
    id: string;
    serverId: string;
    serverName: string;
    exposedName: string;
    upstreamName: string;
    status: "active" | "disabled" | "quarantined" | "removed";
    flags: string[];
    reasons: ReviewReason[];
    /** What `approveToolDefinition` must be given: the definition this diff shows. */
    definitionHash: string;
    approvedHash: string | null;
    firstSeenAt: Date;
    updatedAt: Date;
  };
  /**
   * The approved definition; null when none was ever approved (markers on first sight, a new
   * tool held for review) or
   * when it was approved before approved definitions were kept (`approvedHash` set).
   */
  approved: ToolDefinition | null;
  current: ToolDefinition;
  /** Every field, changed or not, compared against `approved` (against nothing when it is null). */
  changes: FieldChange[];
  /** Prompt-injection markers in the current definition, with field and position. */
  findings: ToolFinding[];
}

/** The stored approved definition with every field present (JSON written by hand or by older code may lack some). */
function asDefinition(value: unknown, name: string): ToolDefinition | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const stored = value as Partial<Record<keyof ToolDefinition, unknown>>;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  const object = (v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  return {
    name: text(stored.name) ?? name,
    title: text(stored.title),
    description: text(stored.description),
    inputSchema: object(stored.inputSchema),
    outputSchema: object(stored.outputSchema),
    annotations: object(stored.annotations),
  };
}

function prettyJson(value: unknown): string {
  return value === null || value === undefined
    ? ""
    : JSON.stringify(JSON.parse(canonicalJson(value)), null, 2);
}

/** The approved and current definitions of one tool side by side, for the review page. */
export async function getToolDiff(db: Tx, orgId: string, toolId: string): Promise<ToolDiff> {
  const tool = await findTool(db, orgId, toolId);
  const server = await db.server.findUniqueOrThrow({ where: { id: tool.serverId }, select: { name: true } });
  const current = storedToolDefinition(tool);
  const approved =
    asDefinition(tool.approvedDefinition, tool.upstreamName) ??
    (tool.approvedHash === tool.definitionHash ? current : null);
  const changes = DEFINITION_FIELDS.map((field): FieldChange => {
    const before = approved?.[field] ?? null;
    const after = current[field] ?? null;
    if (field === "name" || field === "title" || field === "description") {
      const text = diffText((before as string | null) ?? "", (after as string | null) ?? "");
      return { field, changed: text.some((op) => op.op !== "equal"), text };
    }
    const json = diffJson(before ?? undefined, after ?? undefined);
    return { field, changed: json.length > 0, json, text: diffText(prettyJson(before), prettyJson(after)) };
  });
  return {
    tool: {
      id: tool.id,
      serverId: tool.serverId,
      serverName: server.name,
      exposedName: tool.exposedName,
      upstreamName: tool.upstreamName,
      status: tool.status,
      flags: tool.flags,
      reasons: reviewReasons(tool.flags),
      definitionHash: tool.definitionHash,
      approvedHash: tool.approvedHash,
      firstSeenAt: tool.firstSeenAt,
      updatedAt: tool.updatedAt,
    },
    approved,
    current,
    changes,
    findings: scanToolDefinition(current),
  };
}
