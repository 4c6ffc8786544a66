import type { Detector, DlpMatch } from "./detector";

/**
 * Regular expressions run over at most this many characters (UTF-16 code units) at a time.
 * A longer field is not cut off: it is scanned in consecutive chunks of this size that
 * overlap by DLP_CHUNK_OVERLAP, so every character is scanned and the cost of one regex run
 * stays bounded however large a tool result is.
 */
export const DLP_CHUNK_CHARS = 64 * 1024;

/**
 * Overlap between consecutive chunks. Any match up to this long is found exactly as a
 * whole-field scan would find it: a match starting in a chunk's last DLP_CHUNK_OVERLAP
 * characters is left to the next chunk, which holds it whole. Built-in patterns are bounded
 * well below this (the longest, a JWT, at under 3.7 KiB); private keys are found by plain
 * string search over the whole field instead. A custom pattern matching more than this
 * across a chunk boundary is reported from the part in the first chunk.
 */
export const DLP_CHUNK_OVERLAP = 4 * 1024;

/** Field values longer than this are not judged by their field name (`"password": "<1 MB>"` is data). */
const FIELD_VALUE_MAX = 1024;

/**
 * Every match of `detectors` in `text`, in order of position. `fieldName` is the JSON
 * member name the text is the value of, for detectors that judge a value by its name.
 * A generic (fallback) detector's match that overlaps a specific detector's is dropped, so
 * `token=ghp_…` is reported once, as a GitHub token.
 */
export function findMatches(text: string, detectors: readonly Detector[], fieldName?: string): DlpMatch[] {
  const out: DlpMatch[] = [];
  if (text.length === 0) return out;

  for (const d of detectors) {
    if (text.length < d.minLength) continue;
    if (d.findAll) {
      const found: Array<{ start: number; end: number }> = [];
      d.findAll(text, found);
      for (const m of found) out.push({ start: m.start, end: m.end, detector: d });
    } else if (d.matchField && fieldName !== undefined && text.length <= FIELD_VALUE_MAX) {
      if (d.matchField(fieldName, text)) out.push({ start: 0, end: text.length, detector: d });
    }
  }

  for (let start = 0; ; start += DLP_CHUNK_CHARS - DLP_CHUNK_OVERLAP) {
    const end = Math.min(text.length, start + DLP_CHUNK_CHARS);
    const last = end === text.length;
    const chunk = start === 0 && last ? text : text.slice(start, end);
    // Matches starting at or after this point are the next chunk's, which sees them whole.
    const handOver = last ? Number.POSITIVE_INFINITY : DLP_CHUNK_CHARS - DLP_CHUNK_OVERLAP;
    scanChunk(chunk, start, handOver, detectors, out);
    if (last) break;
  }

  return out.length > 1 ? dropShadowedFallbacks(out) : out;
}

function scanChunk(
  chunk: string,
  offset: number,
  handOver: number,
  detectors: readonly Detector[],
  out: DlpMatch[],
): void {
  for (const d of detectors) {
    if (d.findAll || chunk.length < d.minLength || (d.mayMatch && !d.mayMatch(chunk))) continue;
    for (const rule of d.rules) {
      if (rule.mayMatch && !rule.mayMatch(chunk)) continue;
      const re = rule.pattern;
      re.lastIndex = 0;
      for (let m = re.exec(chunk); m !== null; m = re.exec(chunk)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        let s = m.index;
        let e = s + m[0].length;
        if (rule.secretGroup) {
          const span = m.indices?.groups?.[rule.secretGroup];
          if (!span) continue;
          [s, e] = span;
        }
        if (rule.validate) {
          const verdict = rule.validate(chunk.slice(s, e), chunk, s);
          if (verdict === false) continue;
          if (verdict !== true) {
            e = s + verdict.end;
            s += verdict.start;
          }
        }
        // Decided on the match's final start: an email found at its `@` reaches back.
        if (s >= handOver) continue;
        out.push({ start: offset + s, end: offset + e, detector: d });
      }
      re.lastIndex = 0;
    }
  }
}

/**
 * Drops generic matches that overlap a specific one, and a detector's matches nested in or
 * overlapping its own earlier match (two rules of one detector finding the same token).
 */
function dropShadowedFallbacks(matches: DlpMatch[]): DlpMatch[] {
  const specific = matches.filter((m) => !m.detector.fallback);
  const kept =
    specific.length === matches.length
      ? matches
      : matches.filter(
          (m) => !m.detector.fallback || !specific.some((s) => s.start < m.end && m.start < s.end),
        );
  kept.sort((a, b) => a.start - b.start || b.end - a.end);
  const reachedBy = new Map<Detector, number>();
  return kept.filter((m) => {
    if ((reachedBy.get(m.detector) ?? -1) > m.start) return false;
    reachedBy.set(m.detector, m.end);
    return true;
  });
}
