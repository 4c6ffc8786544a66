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
   * (offsets relative to the candidate's start, possibly before it) makes that the match:
   * an IBAN regex may run on into the next word, a grouped card number may have the expiry
   * month glued to it, an email is found at its `@` and reaches back for its local part.
   */
  validate?: (value: string, text: string, start: number) => boolean | { start: number; end: number };
  /** A cheap test (plain substring searches) that must pass before the regex runs. */
  mayMatch?: (text: string) => boolean;
}

/**
 * A named detector. The scanner first asks `mayMatch`, a cheap test made of plain
 * substring searches (V8's regex engine scans faster than any per-character JavaScript
 * loop, so a pre-check is only worth it where a substring rules a detector out), and only
 * then runs the rules. `findAll`, when present, replaces the rules with a linear-time
 * search over the whole field (for matches of unbounded length, such as private key
 * blocks, which chunked regex scanning could cut in two).
 */
export interface Detector {
  id: string;
  /** Generic detectors give way to specific ones: their matches overlapping another detector's are dropped. */
  fallback?: boolean;
  /** Shortest text any rule can match: shorter strings (most JSON values) are skipped at once. */
  minLength: number;
  mayMatch?: (text: string) => boolean;
  rules: DetectorRule[];
  findAll?: (text: string, out: Array<{ start: number; end: number }>) => void;
  /**
   * Looks at a whole JSON string value in the light of its field name (`"password": "…"`),
   * where the name that makes it a secret is not part of the string. Returns whether the
   * whole value is a match.
   */
  matchField?: (fieldName: string, value: string) => boolean;
}
