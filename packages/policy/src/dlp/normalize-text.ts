/**
 * Text as a detector should read it (issue 10 point 8): compatibility forms folded (NFKC:
 * fullwidth `ＡＫＩＡ`, mathematical `𝐀𝐊𝐈𝐀`, ligatures), invisible format characters
 * removed (zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel
 * separator, bidi embeddings, overrides, isolates and marks), and Unicode tag characters
 * (U+E0020–E007E, "ASCII smuggling") read as the ASCII they shadow. Each character of the
 * normalized text remembers the span of the original it came from, so a match found in
 * the normalized text redacts exactly the original characters.
 */
export interface NormalizedText {
  text: string;
  /** Per UTF-16 unit of `text`: start and end (exclusive) of its source in the original. */
  from: Uint32Array;
  to: Uint32Array;
}

const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
// Printable ASCII and line breaks need nothing: the common case skips the per-character walk.
const NEEDS_WORK = /[^\t\n\r -~]/;

/** The normalized text, or null when there is nothing to normalize (plain ASCII: the common case). */
export function normalizeForScan(original: string): NormalizedText | null {
  if (!NEEDS_WORK.test(original)) return null;
  let text = "";
  const from: number[] = [];
  const to: number[] = [];
  let changed = false;
  for (let i = 0; i < original.length; ) {
    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = original.slice(i, i + width);
    let out: string;
    if (INVISIBLE.test(ch)) out = "";
    else if (cp >= 0xe0020 && cp <= 0xe007e) out = String.fromCharCode(cp - 0xe0000);
    else out = cp < 0x7f ? ch : ch.normalize("NFKC");
    if (out !== ch) changed = true;
    for (let k = 0; k < out.length; k++) {
      from.push(i);
      to.push(i + width);
    }
    text += out;
    i += width;
  }
  return changed ? { text, from: Uint32Array.from(from), to: Uint32Array.from(to) } : null;
}
