import type { Detector } from "./detector";
import { characterClasses, shannonEntropy } from "./text-stats";

// Every bounded quantifier below keeps a built-in match shorter than the scanner's chunk
// overlap (see find-matches.ts), so chunked scanning finds exactly what a whole-field scan would.

/** AWS documentation keys end in EXAMPLE (`AKIAIOSFODNN7EXAMPLE`): placeholders, not credentials. */
const isAwsExample = (v: string) => v.includes("EXAMPLE");

export const awsAccessKey: Detector = {
  id: "aws-access-key",
  minLength: 20,
  rules: [
    {
      // Access key ids: a resource-type prefix and 16 base32 characters.
      pattern:
        /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
      validate: (v) => !isAwsExample(v),
    },
  ],
};

export const awsSecretKey: Detector = {
  id: "aws-secret-key",
  minLength: 41,
  rules: [
    {
      // 40 base64 characters carry no prefix: only the name they are assigned to tells them apart.
      pattern:
        /(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)["']?\s{0,4}(?::|=|=>)\s{0,4}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
      secretGroup: "secret",
      validate: (v) => !isAwsExample(v) && shannonEntropy(v) >= 3.5,
    },
  ],
};

export const githubToken: Detector = {
  id: "github-token",
  minLength: 40,
  rules: [
    {
      // Classic tokens (ghp_ personal, gho_ OAuth, ghu_ user-to-server, ghs_ server, ghr_ refresh)
      // and fine-grained personal access tokens (github_pat_).
      pattern:
        /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,240})(?![A-Za-z0-9_])/g,
      // Placeholders such as ghp_xxxx… have no randomness.
      validate: (v) => shannonEntropy(v) >= 3.5,
    },
  ],
};

export const slackToken: Detector = {
  id: "slack-token",
  minLength: 15,
  mayMatch: (t) => t.includes("xox") || t.includes("xapp-") || t.includes("hooks.slack.com"),
  rules: [
    {
      // Bot, user, app-level, refresh and legacy tokens: xoxb-<team>-<bot>-<secret>, xoxp-…, xoxe.xoxp-1-….
      pattern: /(?<![A-Za-z0-9])(?:xoxe\.)?xox[abeposr]-[0-9]{1,16}-[A-Za-z0-9-]{8,250}(?![A-Za-z0-9-])/g,
      validate: (v) => shannonEntropy(v) >= 3,
    },
    { pattern: /(?<![A-Za-z0-9])xapp-\d-[A-Z0-9]{8,16}-\d{6,16}-[a-f0-9]{32,80}(?![A-Za-z0-9])/g },
    {
      pattern:
        /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,12}\/[A-Z0-9]{6,14}\/[A-Za-z0-9/]{16,80}/g,
    },
  ],
};

const PRIVATE_KEY = "PRIVATE KEY";
const BASE64_CHAR = /[A-Za-z0-9+/=]/;

/**
 * PEM and PGP private key blocks (`-----BEGIN … PRIVATE KEY-----` … `-----END …-----`),
 * found with plain string searches over the whole field, so a block of any size is found
 * whole. A block whose END line is missing (a truncated paste) is matched to the end of
 * the field: everything after a private key header is key material. A header with no key
 * material after it (documentation: "paste the block that starts with -----BEGIN…") is
 * not a key.
 */
function findPrivateKeys(text: string, out: Array<{ start: number; end: number }>): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(PRIVATE_KEY, from);
    if (at === -1) return;
    from = at + PRIVATE_KEY.length;
    const begin = text.lastIndexOf("-----BEGIN ", at);
    const headerEnd = text.indexOf("-----", from);
    if (begin === -1 || at - begin > 40 || headerEnd === -1 || headerEnd - from > 8) continue;
    const bodyStart = headerEnd + 5;
    let material = 0;
    for (let i = bodyStart; i < Math.min(text.length, bodyStart + 200); i++) {
      if (BASE64_CHAR.test(text[i]!)) material++;
    }
    if (material < 64) continue;
    const endLine = text.indexOf("-----END ", bodyStart);
    const close = endLine === -1 ? -1 : text.indexOf("-----", endLine + 9);
    const end = close === -1 ? text.length : close + 5;
    out.push({ start: begin, end });
    from = end;
  }
}

export const privateKey: Detector = {
  id: "private-key",
  minLength: 100,
  mayMatch: (t) => t.includes(PRIVATE_KEY),
  rules: [],
  findAll: findPrivateKeys,
};

function base64UrlJson(segment: string): unknown {
  try {
    const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
  } catch {
    return null;
  }
}

export const jwt: Detector = {
  id: "jwt",
  minLength: 24,
  mayMatch: (t) => t.includes("ey") && t.includes("."),
  rules: [
    {
      // header.payload.signature, each base64url; both JSON objects start with `{` = ey
      // (`{"` = eyJ, the usual case; `{ "` = eyA).
      pattern:
        /(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{8,600}\.ey[A-Za-z0-9_-]{8,2400}\.[A-Za-z0-9_-]{0,700}(?![A-Za-z0-9_-])/g,
      // A real header decodes to a JSON object naming its algorithm.
      validate: (v) => {
        const header = base64UrlJson(v.slice(0, v.indexOf(".")));
        return typeof header === "object" && header !== null && "alg" in header;
      },
    },
  ],
};

// ───────────── generic secrets ─────────────

/** Values that only stand in for a secret: templates, masks, well-known placeholders. */
const PLACEHOLDER =
  /^(?:\$\{.*\}|\{\{.*\}\}|<.*>|%.*%|\$[A-Z_]+|\*+|x+|X+|\.+|-+|null|none|undefined|true|false|changeme|change_me|placeholder|redacted|example\w*|your[-_\w]*|xxx.*)$|EXAMPLE/i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const HASH_CONTEXT =
  /(?:sha-?(?:1|224|256|384|512)|md5|digest|checksum|hash|integrity|etag|fingerprint)\W{0,4}$/i;

/**
 * Is `value` plausibly a secret rather than a word, a number or a placeholder? Secrets mix
 * character classes and carry randomness; identifiers and prose do not.
 */
function looksLikeSecret(value: string): boolean {
  if (value.length < 8 || PLACEHOLDER.test(value) || URL_LIKE.test(value)) return false;
  const classes = characterClasses(value);
  if (!classes.lower && !classes.upper) return false; // numbers, dates, amounts
  const entropy = shannonEntropy(value);
  if (classes.count >= 3) return entropy >= 2.5;
  if (classes.count < 2 || value.length < 16 || entropy < 3.2) return false;
  if (classes.digit) return true; // hex tokens, lowercase-and-digit keys
  // Letters only: random mixed case, not a camelCase identifier (one capital per word).
  if (classes.upper && classes.lower) {
    const capitals = value.replace(/[^A-Z]/g, "").length / value.length;
    return capitals >= 0.25 && capitals <= 0.75;
  }
  return false; // words joined by dashes or dots
}

const VENDOR_PREFIXES = ["_live_", "sk-", "AIza", "glpat-", "npm_", "hf_", "SG.", "xkeysib-"];

/** Field names that say their value is a credential (`password`, `api_key`, `clientSecret`, `x-auth-token`). */
const SECRET_FIELD =
  /(?:secret|token|passw(?:or)?d|passphrase|pwd|api[-_]?key|access[-_]?key|account[-_]?key|auth[-_]?key|private[-_]?key|credential)s?$/i;

/** Is `start` inside a PEM block that is not a private key (certificate, public key)? Looks back 8 KiB. */
function insidePublicPem(text: string, start: number): boolean {
  const window = text.slice(Math.max(0, start - 8192), start);
  const begin = window.lastIndexOf("-----BEGIN ");
  if (begin === -1 || window.lastIndexOf("-----END ") > begin) return false;
  const headerEnd = window.indexOf("-----", begin + 11);
  return headerEnd !== -1 && !window.slice(begin, headerEnd).includes("PRIVATE");
}

/**
 * Long random-looking tokens with no telltale name around them: upper, lower and digits
 * together, high entropy, and not a content hash (a digest's context names it), a data
 * URI, a URL path or the body of a certificate. Bounded at 128 characters so base64
 * payloads (images, files) are not taken for keys.
 */
function standaloneSecret(value: string, text: string, start: number): boolean {
  const classes = characterClasses(value);
  if (!(classes.lower && classes.upper && classes.digit) || value.includes("EXAMPLE")) return false;
  const before = text.slice(Math.max(0, start - 24), start);
  if (/^sha(?:1|256|384|512)-/i.test(value) || HASH_CONTEXT.test(before) || before.endsWith(";base64,"))
    return false;
  // `com/document/d/1aBc…/edit`: path segments that are words make it a URL path, not base64.
  if (value.includes("/") && value.split("/").some((part) => /^[a-z]{3,}$/.test(part))) return false;
  // `handleOAuth2CallbackForGoogleDrive`: an identifier made of words. In random base62,
  // runs of three or more lowercase letters (with a leading capital) cover 17% of the
  // characters on average and over 60% about once in a thousand; in identifiers, 65–90%.
  const wordy = value.match(/[A-Z]?[a-z]{3,}/g)?.join("").length ?? 0;
  if (wordy >= value.length * 0.6) return false;
  if (/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/.test(value)) return false; // IPFS content id (a hash)
  // A random base62 string of n characters carries a little under log2(n) bits per
  // character (repeats); English identifiers and paths stay well below 0.8 of that.
  const threshold = Math.min(4.2, 0.8 * Math.log2(value.length));
  return shannonEntropy(value) >= threshold && !insidePublicPem(text, start);
}

export const genericSecret: Detector = {
  id: "generic-secret",
  minLength: 8,
  fallback: true,
  rules: [
    {
      // `password = …`, `API_KEY: …`, `"client_secret": "…"`, `--token=…` inside one string.
      pattern:
        /(?:secret|token|passwd|password|passphrase|pwd|api[-_]?key|apikey|access[-_]?key|account[-_]?key|auth[-_]?key|private[-_]?key|credentials?)s?(?:[-_.][A-Za-z0-9]{1,16}){0,2}["']?\s{0,4}(?::|=|=>|:=)\s{0,4}["']?(?<secret>[^\s"'`,;]{8,256})/dgi,
      secretGroup: "secret",
      validate: looksLikeSecret,
    },
    {
      // The password of a connection string: `postgres://app:<secret>@db:5432/app`.
      pattern: /:\/\/[^\s:@/]{1,64}:(?<secret>[^\s@/]{6,128})@/dg,
      secretGroup: "secret",
      mayMatch: (t) => t.includes("://"),
      validate: (v) => !PLACEHOLDER.test(v) && !/^\d+$/.test(v),
    },
    {
      // HTTP credentials: `Authorization: Bearer …`, `Basic …`.
      pattern: /(?<![A-Za-z])(?:Bearer|Basic|Token)\s+(?<secret>[A-Za-z0-9._~+/-]{16,2000}={0,2})/dg,
      secretGroup: "secret",
      validate: looksLikeSecret,
    },
    {
      // Vendor keys with a recognisable prefix: Stripe, OpenAI, Anthropic, Google, GitLab,
      // npm, Hugging Face, SendGrid, Brevo.
      pattern:
        /(?<![A-Za-z0-9_-])(?:[sr]k_live_[0-9A-Za-z]{20,99}|sk-(?:proj-|ant-[a-z]{3,5}\d\d-)?[A-Za-z0-9_-]{32,200}|AIza[0-9A-Za-z_-]{35}|glpat-[0-9A-Za-z_-]{20,40}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,40}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16})(?![A-Za-z0-9_-])/g,
      validate: (v) => characterClasses(v).count >= 3 && shannonEntropy(v) >= 3.5,
      mayMatch: (t) => VENDOR_PREFIXES.some((p) => t.includes(p)),
    },
    {
      pattern: /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,128}={0,2}(?![A-Za-z0-9+/=_-])/g,
      validate: standaloneSecret,
    },
  ],
  matchField: (name, value) =>
    SECRET_FIELD.test(name) && !/\s/.test(value.trim()) && looksLikeSecret(value.trim()),
};
