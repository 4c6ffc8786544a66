import type { TextFinding } from "./findings";
import { findHiddenUnicode } from "./hidden-unicode";
import { findPhrases } from "./phrases";

/** Every prompt-injection marker in one string, in order of position. Pure and fast (no I/O). */
export function scanText(text: string): TextFinding[] {
  return [...findHiddenUnicode(text), ...findPhrases(text)].sort(
    (a, b) => a.index - b.index || a.kind.localeCompare(b.kind),
  );
}
