import { isHiddenCodePoint, isZeroWidthSpace } from "./hidden-chars";

/**
 * Text folded for phrase matching, with a map back to the original string, so a phrase
 * found in the folded text is reported at its place in what the upstream sent.
 */
export interface FoldedText {
  text: string;
  /** For each UTF-16 unit of `text`: the offset in the original of the character it came from. */
  start: number[];
  /** For each UTF-16 unit of `text`: the offset just past that original character. */
  end: number[];
}

// Cyrillic and Greek letters that look like Latin ones: "ignоre" with a Cyrillic "о" still matches.
const LOOKALIKES: Record<string, string> = {
  а: "a",
  е: "e",
  ё: "e",
  і: "i",
  ї: "i",
  ј: "j",
  к: "k",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  ѕ: "s",
  һ: "h",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ɡ: "g",
  α: "a",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  υ: "u",
  χ: "x",
  ϲ: "c",
};

/**
 * Lowercases and NFKC-normalizes each character (fullwidth "ｉｇｎｏｒｅ" becomes "ignore"),
 * folds Latin lookalikes, turns every kind of whitespace into a plain space, and handles
 * zero-width characters one of two ways: `hidden: "drop"` removes them (they split a word),
 * `hidden: "space"` reads the zero-width spaces among them as spaces (they join words).
 */
export function foldText(original: string, hidden: "drop" | "space"): FoldedText {
  const folded: FoldedText = { text: "", start: [], end: [] };
  const parts: string[] = [];
  for (let index = 0; index < original.length; ) {
    const cp = original.codePointAt(index)!;
    const size = cp > 0xffff ? 2 : 1;
    const ch = String.fromCodePoint(cp);
    let out: string;
    // Hidden characters are dropped, so "ig\u00ADnore" and "ign\u200Bore" read as "ignore";
    // or zero-width spaces read as spaces, the other use of the same trick.
    if (hidden === "space" && isZeroWidthSpace(cp)) out = " ";
    else if (isHiddenCodePoint(cp)) out = "";
    else if (/\s/u.test(ch)) out = " ";
    else {
      const lower = ch.normalize("NFKC").toLowerCase();
      out = LOOKALIKES[lower] ?? lower;
    }
    for (let k = 0; k < out.length; k++) {
      folded.start.push(index);
      folded.end.push(index + size);
    }
    parts.push(out);
    index += size;
  }
  folded.text = parts.join("");
  return folded;
}

/** The original [index, index + length) of folded [from, to). */
export function originalSpan(
  folded: FoldedText,
  from: number,
  to: number,
): { index: number; length: number } {
  const index = folded.start[from]!;
  return { index, length: folded.end[to - 1]! - index };
}
