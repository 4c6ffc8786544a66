import type { TextFeatures } from "./text-features";

/** Where a detector fired inside one string, as UTF-16 offsets (`end` exclusive). */
export interface DlpMatch {
  start: number;
  end: number;
  detector: Detector;
}

/** One way a detector finds candidates: a regular expression plus an optional second look. */
export interface DetectorRule {
  /** Must carry the `g` flag; add `d` when `secretGroup` is set. */
  pattern: RegExp;
  /**
   * A named group holding the secret part of the match (`password = <secret>`): only that
   * part is reported and redacted, so the redaction keeps the surrounding context readable.
   */
  secretGroup?: string;
  /**
   * A second look at a candidate (checksum, entropy, known documentation values), given the
   * candidate, the text it was found in and its offset there. `false` drops it; a range
   * (offsets into the candidate) keeps only that part: an IBAN regex may run on into the
   * next word, a grouped card number may have the expiry month glued to it.
   */
  validate?: (value: string, text: string, start: number) => boolean | { start: number; end: number };
}

/**
 * A named detector. The scanner first asks `mayMatch` (a cheap test on precomputed
 * character counts), and only then runs the rules. `findAll`, when present, replaces the
 * rules with a linear-time search over the whole field (for matches of unbounded length,
 * such as private key blocks, which chunked regex scanning could cut in two).
 */
export interface Detector {
  id: string;
  /** Generic detectors give way to specific ones: their matches overlapping another detector's are dropped. */
  fallback?: boolean;
  mayMatch: (text: string, features: TextFeatures) => boolean;
  rules: DetectorRule[];
  findAll?: (text: string, out: Array<{ start: number; end: number }>) => void;
  /**
   * Looks at a whole JSON string value in the light of its field name (`"password": "…"`),
   * where the name that makes it a secret is not part of the string. Returns whether the
   * whole value is a match.
   */
  matchField?: (fieldName: string, value: string) => boolean;
}
