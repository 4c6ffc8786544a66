// Code point classes shared by the scanner, the phrase folding and the console's reveal.
// Written as ranges rather than regex character classes: the set mixes combining and
// format characters, which regex classes (and linters) treat as text to render.

const FORMAT = /\p{Cf}/u;

/** Variation selectors VS1–VS16 and VS17–VS256. */
export const isVariationSelector = (cp: number): boolean =>
  (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);

/** Unicode tag characters U+E0000–U+E007F. */
export const isTagCharacter = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;

/**
 * Every character that renders as nothing (or only reorders text): format characters,
 * soft hyphen, combining grapheme joiner, Hangul fillers, Mongolian selectors, variation
 * selectors and tags. Legitimate uses included: this is "what a reader cannot see".
 */
export function isHiddenCodePoint(cp: number): boolean {
  return (
    FORMAT.test(String.fromCodePoint(cp)) ||
    cp === 0x00ad ||
    cp === 0x034f ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    isVariationSelector(cp) ||
    isTagCharacter(cp)
  );
}

/** Zero-width characters that stand for a space between words. */
export const isZeroWidthSpace = (cp: number): boolean =>
  cp === 0x200b || cp === 0x2060 || cp === 0xfeff || cp === 0x180e;
