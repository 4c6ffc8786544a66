/**
 * Encoded text a detector cannot read as it is: long base64 / base64url runs and
 * percent-encoded runs (issue 10 point 8). Each layer is the decoded text of one span of
 * its source; a match inside it is reported on (and redacts) the whole encoded span.
 * Only decodings that read as text are kept, so digests, images and random ids, which
 * decode to bytes, cost a decode and nothing else.
 */
export interface DecodedLayer {
  text: string;
  start: number;
  end: number;
}

/** Shorter base64 runs hold at most 15 bytes: nothing a detector finds fits in fewer. */
export const BASE64_MIN_CHARS = 20;
/** Longest encoded run decoded; a larger blob is left to the plain detectors. */
const ENCODED_MAX_CHARS = 256 * 1024;

const PERCENT_TRIPLET = /%[0-9A-Fa-f]{2}/;
const PERCENT_RUN = /[^\s"'<>`]*%[0-9A-Fa-f]{2}[^\s"'<>`]*/g;
const PERCENT_GROUP = /(?:%[0-9A-Fa-f]{2})+/g;
const utf8 = new TextDecoder("utf-8");

/** Text, not bytes: at least 90% printable characters and no decoding failures to speak of. */
function readsAsText(s: string): boolean {
  if (s.length === 0) return false;
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f && c !== 0xfffd) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  return printable / s.length >= 0.9;
}

function decodeBase64(run: string): string | null {
  let b64 = run.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (b64.length % 4 === 1) b64 = b64.slice(0, -1);
  b64 += "=".repeat((4 - (b64.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = utf8.decode(bytes);
  return readsAsText(text) ? text : null;
}

function decodePercent(run: string): string {
  return run.replace(PERCENT_GROUP, (group) => {
    const bytes = new Uint8Array(group.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(group.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}

// Base64 alphabet classes (standard and url-safe): 1 digit or symbol, 2 upper, 3 lower.
const B64_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) B64_CLASS[c] = 1;
for (const c of "+/_-") B64_CLASS[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) B64_CLASS[c] = 2;
for (let c = 97; c <= 122; c++) B64_CLASS[c] = 3;

/**
 * Base64 candidates: runs of at least BASE64_MIN_CHARS alphabet characters (then `=`
 * padding) that mix upper- and lowercase letters. Encoded text always does; hex digests,
 * UUIDs and words do not, so they are never decoded. One pass over the characters: a
 * regex here restarts inside every word and costs several times more.
 */
function forEachBase64Run(text: string, visit: (start: number, end: number) => void): void {
  let start = -1;
  let upper = false;
  let lower = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const k = c < 128 ? B64_CLASS[c]! : 0;
    if (k !== 0) {
      if (start < 0) {
        start = i;
        upper = false;
        lower = false;
      }
      if (k === 2) upper = true;
      else if (k === 3) lower = true;
      continue;
    }
    if (start < 0) continue;
    let end = i;
    while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++;
    if (i - start >= BASE64_MIN_CHARS && upper && lower && end - start <= ENCODED_MAX_CHARS)
      visit(start, end);
    start = -1;
  }
}

/** Every decodable layer of `text`, in order of position. */
export function decodedLayers(text: string): DecodedLayer[] {
  const out: DecodedLayer[] = [];
  if (text.length >= BASE64_MIN_CHARS) {
    forEachBase64Run(text, (start, end) => {
      const decoded = decodeBase64(text.slice(start, end));
      if (decoded !== null) out.push({ text: decoded, start, end });
    });
  }
  if (PERCENT_TRIPLET.test(text)) {
    PERCENT_RUN.lastIndex = 0;
    for (let m = PERCENT_RUN.exec(text); m !== null; m = PERCENT_RUN.exec(text)) {
      if (m[0].length > ENCODED_MAX_CHARS) continue;
      out.push({ text: decodePercent(m[0]), start: m.index, end: m.index + m[0].length });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
