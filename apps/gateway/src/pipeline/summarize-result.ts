import { RESULT_SUMMARY_MAX } from "@portcullis/contracts/audit";
import type { CallToolResult } from "@portcullis/upstream/types";

/** A short, human-readable summary of a tool result for the audit log (not the whole payload). */
export function summarizeResult(result: CallToolResult): string {
  const content = result.content;
  // One text block, the common answer: its text is the summary (what the loop below gives).
  if (content?.length === 1 && content[0]!.type === "text")
    return content[0]!.text.slice(0, RESULT_SUMMARY_MAX);
  const parts: string[] = [];
  let length = 0;
  for (const block of result.content ?? []) {
    const piece =
      block.type === "text"
        ? block.text
        : block.type === "resource_link"
          ? `[resource_link ${block.uri}]`
          : block.type === "resource"
            ? `[resource ${block.resource.uri}]`
            : `[${block.type}]`;
    parts.push(piece);
    length += piece.length;
    if (length >= RESULT_SUMMARY_MAX) break;
  }
  if (parts.length === 0 && result.structuredContent) parts.push(JSON.stringify(result.structuredContent));
  return parts.join("\n").slice(0, RESULT_SUMMARY_MAX);
}
