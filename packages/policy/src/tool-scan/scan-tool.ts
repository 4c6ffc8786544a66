import { INJECTION_KINDS, type InjectionKind, injectionFlag, type ToolFinding } from "./findings";
import { scanText } from "./scan-text";

/** The parts of a tool definition a model reads. */
export interface ScannableTool {
  title?: string | null;
  description?: string | null;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/**
 * Scans every string a model is shown about a tool: title, description, and every string
 * in its schemas and annotations (parameter descriptions, enum values, defaults, examples
 * are the classic places to hide a "tool poisoning" payload). Property names are scanned
 * too: they reach the model as well.
 */
export function scanToolDefinition(tool: ScannableTool): ToolFinding[] {
  const findings: ToolFinding[] = [];
  const visit = (value: unknown, field: string) => {
    if (typeof value === "string") {
      for (const f of scanText(value)) findings.push({ ...f, field });
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${field}[${i}]`);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        for (const f of scanText(key)) findings.push({ ...f, field: `${field}.${key} (name)` });
        visit(item, `${field}.${key}`);
      }
    }
  };
  visit(tool.title, "title");
  visit(tool.description, "description");
  visit(tool.inputSchema, "inputSchema");
  visit(tool.outputSchema, "outputSchema");
  visit(tool.annotations, "annotations");
  return findings;
}

/** The kinds present in `findings`, in the fixed order of INJECTION_KINDS. */
export function findingKinds(findings: readonly { kind: InjectionKind }[]): InjectionKind[] {
  const present = new Set(findings.map((f) => f.kind));
  return INJECTION_KINDS.filter((k) => present.has(k));
}

/** `prompt_injection:<kind>` flags for the kinds present in `findings`. */
export function injectionFlags(findings: readonly { kind: InjectionKind }[]): string[] {
  return findingKinds(findings).map(injectionFlag);
}
