import { decodedLayers } from "./decode-layers";
import type { Detector, DlpMatch } from "./detector";
import { normalizeForScan } from "./normalize-text";

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

/** Encodings inside encodings are unwrapped this deep (base64 of base64, base64 of a percent-encoded URL). */
const MAX_DECODE_DEPTH = 2;

/**
 * Every match of `detectors` in `text`, in order of position, as offsets into `text`.
 * `fieldName` is the JSON member name the text is the value of, for detectors that judge a
 * value by its name. A generic (fallback) detector's match that overlaps a specific
 * detector's is dropped, so `token=ghp_…` is reported once, as a GitHub token.
 *
 * Evasion (issue 10 point 8): the text is normalized first (normalize-text.ts), so
 * zero-width, bidi and compatibility characters hide nothing; then long base64 and
 * percent-encoded runs are decoded (decode-layers.ts) and scanned in turn. A match inside
 * a decoded run is reported on the whole encoded run, and only where the text as written
 * had no specific match already (a JWT's payload is part of a JWT, not a second finding).
 */
export function findMatches(
  text: string,
  detectors: readonly Detector[],
  fieldName?: string,
  depth = 0,
): DlpMatch[] {
  const normalized = normalizeForScan(text);
  const scanned = normalized?.text ?? text;
  let matches = findPlainMatches(scanned, detectors, fieldName);
  const layers = depth < MAX_DECODE_DEPTH ? decodedLayers(scanned) : [];
  if (layers.length > 0) {
    const found: DlpMatch[] = [];
    const plainText: Array<{ start: number; end: number }> = [];
    for (const layer of layers) {
      const covered = matches.some((m) => !m.detector.fallback && m.start < layer.end && layer.start < m.end);
      if (covered) continue;
      const inner = findMatches(layer.text, detectors, undefined, depth + 1);
      if (inner.length === 0) plainText.push(layer);
      const seen = new Set<Detector>();
      for (const m of inner) {
        if (seen.has(m.detector)) continue;
        seen.add(m.detector);
        found.push({ start: layer.start, end: layer.end, detector: m.detector });
      }
    }
    // A run that decodes to readable text holding nothing is an encoding of that text, not
    // a random credential: the generic detector's guess on it gives way.
    if (plainText.length > 0)
      matches = matches.filter(
        (m) => !m.detector.fallback || !plainText.some((l) => m.start < l.end && l.start < m.end),
      );
    if (found.length > 0) matches = dropShadowedFallbacks([...matches, ...found]);
  }
  if (!normalized) return matches;
  return matches.map((m) => ({
    start: normalized.from[m.start]!,
    end: normalized.to[m.end - 1]!,
    detector: m.detector,
  }));
}

/** Every match of `detectors` in `text` as written: no normalization, no decoding. */
export function findPlainMatches(
  text: string,
  detectors: readonly Detector[],
  fieldName?: string,
): DlpMatch[] {
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
