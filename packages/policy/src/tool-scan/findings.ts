/**
 * What the tool scanner looks for in a tool's definition (text a model reads):
 *
 * - `invisible_character`: zero-width and other invisible characters (U+200B, U+2060,
 *   runs of variation selectors…) outside the scripts and emoji sequences that need them.
 * - `bidi_control`: bidirectional overrides, embeddings and isolates (Trojan Source), and
 *   direction marks in text that has no right-to-left letters.
 * - `tag_character`: Unicode tag characters (U+E0000–U+E007F), which smuggle invisible
 *   ASCII to a model, outside the emoji subdivision flags that legitimately use them.
 * - `model_instruction`: text addressed to the model rather than describing the tool
 *   ("ignore previous instructions", "do not tell the user", `<IMPORTANT>` markup…).
 * - `sensitive_reference`: credential files and sensitive paths (`~/.ssh/id_rsa`,
 *   `~/.aws/credentials`, `mcp.json`…) and instructions to read or send secrets.
 */
export const INJECTION_KINDS = [
  "invisible_character",
  "bidi_control",
  "tag_character",
  "model_instruction",
  "sensitive_reference",
] as const;

export type InjectionKind = (typeof INJECTION_KINDS)[number];

/** One marker in one string. */
export interface TextFinding {
  kind: InjectionKind;
  /** UTF-16 offset of the marker in the scanned string (what `String.prototype.slice` takes). */
  index: number;
  /** UTF-16 length of the marker. */
  length: number;
  /** Readable evidence: code points (`U+200B U+200B`), the matched phrase, or decoded hidden text. */
  evidence: string;
}

/** A marker in a tool definition: which field it is in (`description`, `inputSchema.properties.path.description`). */
export interface ToolFinding extends TextFinding {
  field: string;
}

/** The flag a tool carries for a kind of marker: `prompt_injection:<kind>`. */
export const INJECTION_FLAG_PREFIX = "prompt_injection:";

export function injectionFlag(kind: InjectionKind): string {
  return `${INJECTION_FLAG_PREFIX}${kind}`;
}

/** `U+200B`, the way the console shows a hidden character. */
export function codePointLabel(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}
