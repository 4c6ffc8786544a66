import { codePointLabel } from "./findings";
import { isHiddenCodePoint } from "./hidden-chars";

/** A piece of text as the console shows it: visible text, or one hidden character made visible. */
export type RevealedSegment = { hidden: false; text: string } | { hidden: true; text: string; label: string };

/**
 * Splits `text` into visible runs and hidden characters (legitimate ones too, like the ZWJ
 * in an emoji: a reviewer comparing two definitions must see every one), each hidden one labelled
 * `U+200B`, so a UI can render it as ⟨U+200B⟩. Joining every segment's `text` gives back
 * `text` exactly.
 */
export function revealHidden(text: string): RevealedSegment[] {
  const segments: RevealedSegment[] = [];
  let visible = "";
  for (const ch of text) {
    if (isHiddenCodePoint(ch.codePointAt(0)!)) {
      if (visible) segments.push({ hidden: false, text: visible });
      visible = "";
      segments.push({ hidden: true, text: ch, label: codePointLabel(ch.codePointAt(0)!) });
    } else {
      visible += ch;
    }
  }
  if (visible) segments.push({ hidden: false, text: visible });
  return segments;
}

/** `text` with every hidden character written out as ⟨U+200B⟩ (for plain-text views and logs). */
export function showHidden(text: string): string {
  return revealHidden(text)
    .map((s) => (s.hidden ? `⟨${s.label}⟩` : s.text))
    .join("");
}
