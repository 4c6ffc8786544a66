import { codePointLabel, type InjectionKind, type TextFinding } from "./findings";
import { isTagCharacter, isVariationSelector } from "./hidden-chars";

type HiddenKind = Extract<InjectionKind, "invisible_character" | "bidi_control" | "tag_character">;

interface CodePoint {
  cp: number;
  index: number;
  /** 1 or 2 UTF-16 units. */
  size: number;
}

// Scripts written without spaces, where U+200B marks word boundaries in legitimate text.
const NO_SPACE_SCRIPT =
  /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const LATIN_OR_COMMON = /[\p{Script=Latin}\p{Script=Common}]/u;
const RTL_LETTER =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;
const EMOJI_BEFORE_ZWJ = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F/u;
const EMOJI_AFTER_ZWJ = /\p{Extended_Pictographic}/u;
const HAN = /\p{Script=Han}/u;
const HANGUL = /\p{Script=Hangul}/u;
const MONGOLIAN = /\p{Script=Mongolian}/u;
const FORMAT = /\p{Cf}/u;
// Format characters that render visibly (number signs, Egyptian hieroglyph joiners): not hidden.
const VISIBLE_FORMAT = /[\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}\u{13430}-\u{1345F}]/u;

const BIDI_OVERRIDES = new Set([0x202d, 0x202e]); // LRO, RLO: always an attack on what the reader sees
const BIDI_OPENERS = new Set([0x202a, 0x202b, 0x2066, 0x2067, 0x2068]); // LRE, RLE, LRI, RLI, FSI
const BIDI_CLOSERS = new Set([0x202c, 0x2069]); // PDF, PDI
const BIDI_MARKS = new Set([0x200e, 0x200f, 0x061c]); // LRM, RLM, ALM

const TAG_FIRST = 0xe0000;
const CANCEL_TAG = 0xe007f;
const BLACK_FLAG = 0x1f3f4;

const char = (cp: number | undefined) => (cp === undefined ? "" : String.fromCodePoint(cp));

function codePoints(text: string): CodePoint[] {
  const out: CodePoint[] = [];
  for (let index = 0; index < text.length; ) {
    const cp = text.codePointAt(index)!;
    const size = cp > 0xffff ? 2 : 1;
    out.push({ cp, index, size });
    index += size;
  }
  return out;
}

/**
 * Finds hidden Unicode in `text`: invisible characters, bidirectional controls and tag
 * characters. Each run of adjacent hidden characters of one kind is one finding.
 *
 * The rules accept the places legitimate text needs these characters, so that real-world
 * descriptions are not quarantined: ZWJ inside emoji sequences (👩🏽‍💻) and Indic or
 * Arabic-script words, ZWNJ in Persian or Indic words, U+200B between Thai or CJK
 * letters, one variation selector after a base character (❤️), tag characters in the
 * emoji subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿), direction marks and balanced isolates in text
 * that has right-to-left letters, a leading BOM, a soft hyphen inside a word.
 */
export function findHiddenUnicode(text: string): TextFinding[] {
  const cps = codePoints(text);
  const hasRtl = RTL_LETTER.test(text);
  const bidiBalanced = isBidiBalanced(cps);
  const kinds: Array<HiddenKind | null> = cps.map(() => null);

  for (let i = 0; i < cps.length; i++) {
    const { cp } = cps[i]!;
    if (isTagCharacter(cp)) {
      const end = tagRunEnd(cps, i);
      if (!isSubdivisionFlag(cps, i, end)) for (let j = i; j < end; j++) kinds[j] = "tag_character";
      i = end - 1;
      continue;
    }
    if (isVariationSelector(cp)) {
      let end = i;
      while (end < cps.length && isVariationSelector(cps[end]!.cp)) end++;
      if (!isSingleVariation(cps, i, end)) for (let j = i; j < end; j++) kinds[j] = "invisible_character";
      i = end - 1;
      continue;
    }
    kinds[i] = classify(cps, i, hasRtl, bidiBalanced);
  }
  return runs(cps, kinds);
}

function classify(cps: CodePoint[], i: number, hasRtl: boolean, bidiBalanced: boolean): HiddenKind | null {
  const cp = cps[i]!.cp;
  const prev = char(cps[i - 1]?.cp);
  const next = char(cps[i + 1]?.cp);
  const between = (re: RegExp) => re.test(prev) && re.test(next);
  const inNonLatinWord =
    LETTER_OR_MARK.test(prev) && LETTER_OR_MARK.test(next) && !LATIN_OR_COMMON.test(prev + next);

  if (BIDI_OVERRIDES.has(cp)) return "bidi_control";
  if (BIDI_OPENERS.has(cp) || BIDI_CLOSERS.has(cp)) return hasRtl && bidiBalanced ? null : "bidi_control";
  if (BIDI_MARKS.has(cp)) return hasRtl ? null : "bidi_control";

  switch (cp) {
    case 0x200b: // zero width space
      return between(NO_SPACE_SCRIPT) ? null : "invisible_character";
    case 0x200c: // zero width non-joiner
      return inNonLatinWord ? null : "invisible_character";
    case 0x200d: // zero width joiner
      return (EMOJI_BEFORE_ZWJ.test(prev) && EMOJI_AFTER_ZWJ.test(next)) || inNonLatinWord
        ? null
        : "invisible_character";
    case 0xfeff: // byte order mark: harmless as the very first character
      return i === 0 ? null : "invisible_character";
    case 0x00ad: // soft hyphen: a hyphenation hint inside a word
      return between(/\p{L}/u) ? null : "invisible_character";
    case 0x115f:
    case 0x1160: // Hangul choseong/jungseong fillers, part of old Hangul syllables
      return HANGUL.test(prev) || HANGUL.test(next) ? null : "invisible_character";
    case 0x3164:
    case 0xffa0: // Hangul fillers that render as nothing: a classic invisible identifier
    case 0x034f: // combining grapheme joiner
      return "invisible_character";
  }
  if (cp >= 0x180b && cp <= 0x180f) return MONGOLIAN.test(prev) ? null : "invisible_character";
  if (FORMAT.test(char(cp)) && !VISIBLE_FORMAT.test(char(cp))) return "invisible_character";
  return null;
}

function tagRunEnd(cps: CodePoint[], start: number): number {
  let end = start;
  while (end < cps.length && isTagCharacter(cps[end]!.cp)) end++;
  return end;
}

/** 🏴 followed by 1–7 tag letters or digits and CANCEL TAG: an RGI subdivision flag (England, Scotland, Wales…). */
function isSubdivisionFlag(cps: CodePoint[], start: number, end: number): boolean {
  if (cps[start - 1]?.cp !== BLACK_FLAG || cps[end - 1]!.cp !== CANCEL_TAG) return false;
  const spec = cps.slice(start, end - 1).map((c) => c.cp - TAG_FIRST);
  const alnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
  return spec.length >= 1 && spec.length <= 7 && spec.every(alnum);
}

/**
 * One variation selector choosing a glyph of the character before it is normal (❤️, CJK
 * ideographic variants); runs of them encode hidden bytes ("emoji smuggling").
 */
function isSingleVariation(cps: CodePoint[], start: number, end: number): boolean {
  if (end - start !== 1 || start === 0) return false;
  const base = char(cps[start - 1]!.cp);
  if (/[\s\p{Cf}]/u.test(base)) return false;
  return cps[start]!.cp < 0xe0100 || HAN.test(base);
}

function isBidiBalanced(cps: CodePoint[]): boolean {
  let depth = 0;
  for (const { cp } of cps) {
    if (BIDI_OPENERS.has(cp) || BIDI_OVERRIDES.has(cp)) depth++;
    else if (BIDI_CLOSERS.has(cp) && --depth < 0) return false;
  }
  return depth === 0;
}

function runs(cps: CodePoint[], kinds: Array<HiddenKind | null>): TextFinding[] {
  const findings: TextFinding[] = [];
  for (let i = 0; i < cps.length; i++) {
    const kind = kinds[i];
    if (!kind) continue;
    let end = i;
    while (end + 1 < cps.length && kinds[end + 1] === kind) end++;
    const run = cps.slice(i, end + 1);
    const index = run[0]!.index;
    const length = run.at(-1)!.index + run.at(-1)!.size - index;
    findings.push({
      kind,
      index,
      length,
      evidence: describeRun(
        kind,
        run.map((c) => c.cp),
      ),
    });
    i = end;
  }
  return findings;
}

function describeRun(kind: HiddenKind, run: number[]): string {
  const labels = run.length <= 6 ? run.map(codePointLabel).join(" ") : `${run.length} characters`;
  if (kind === "tag_character") {
    const ascii = run
      .filter((cp) => cp >= 0xe0020 && cp <= 0xe007e)
      .map((cp) => String.fromCharCode(cp - TAG_FIRST))
      .join("");
    return ascii ? `${labels}, hidden text "${ascii}"` : labels;
  }
  if (run.length > 1 && run.every(isVariationSelector)) {
    const bytes = run.map((cp) => (cp < 0xe0100 ? cp - 0xfe00 : cp - 0xe0100 + 16));
    const decoded = new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes));
    return `${labels}, hidden bytes "${decoded}"`;
  }
  return labels;
}
