import { EXAMPLE_SSNS, IBAN_LENGTHS, ibanChecksumValid, luhnValid, TEST_CARD_NUMBERS } from "./checksums";
import type { Detector } from "./detector";

/** Card lengths per network, by prefix: a Luhn-valid number with no network is a coincidence. */
function cardNetworkAccepts(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  const long = n >= 16 && n <= 19;
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return long; // Discover
  if (p4 >= 3528 && p4 <= 3589) return long; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38) return n >= 14 && n <= 19; // Diners Club
  if (p2 === 62) return long; // UnionPay
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4)) return n >= 13 && n <= 19; // Maestro
  return false;
}

function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  return cardNetworkAccepts(digits) && luhnValid(digits) && !TEST_CARD_NUMBERS.has(digits);
}

/**
 * A grouped candidate may carry neighbouring numbers (`exp 12 4532 0151 1283 0366 25`):
 * the longest run of whole groups that is a card number wins.
 */
function validCard(value: string): boolean | { start: number; end: number } {
  if (/^\d+$/.test(value)) return isCardNumber(value);
  const groups = [...value.matchAll(/\d+/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    digits: m[0],
  }));
  for (let count = groups.length; count >= 1; count--) {
    for (let first = 0; first + count <= groups.length; first++) {
      const run = groups.slice(first, first + count);
      const start = run[0]!.start;
      const end = run[run.length - 1]!.end;
      const separators = value.slice(start, end).replace(/\d/g, "");
      // Grouped numbers use one separator throughout.
      if (separators.length > 0 && separators.replaceAll(separators[0]!, "").length > 0) continue;
      if (isCardNumber(run.map((g) => g.digits).join(""))) return { start, end };
    }
  }
  return false;
}

export const creditCard: Detector = {
  id: "credit-card",
  minLength: 13,
  rules: [
    {
      // A whole run of digits, optionally grouped by single spaces or dashes, that is not
      // part of a decimal, a version or an identifier; the card is the run or a run of its
      // groups (see validCard). Starting only where a run starts keeps the scan linear.
      pattern: /(?<![0-9A-Za-z.,_+-]|\d[ -])(?:\d[ -]?){12,38}\d(?![0-9A-Za-z_-]|[.,]\d|[ -]\d)/g,
      // The account part of a grouped IBAN (`DE89 3704 0044 …`) is not a card number.
      validate: (v, text, start) =>
        !/[A-Z]{2}\d{2} ?$/.test(text.slice(Math.max(0, start - 5), start)) && validCard(v),
    },
  ],
};

/** Extensions that follow `@` in asset names (`logo@2x.png`), not top-level domains. */
const FILE_EXTENSIONS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "bmp",
  "tif",
  "tiff",
  "avif",
  "css",
  "js",
  "mjs",
  "ts",
  "tsx",
  "jsx",
  "map",
  "json",
  "html",
  "htm",
  "xml",
  "txt",
  "md",
  "pdf",
  "zip",
  "gz",
  "woff",
  "woff2",
]);
const LOCAL_PART_CHAR = /[A-Za-z0-9._%+-]/;
/** RFC 2606 / 6761 names reserved for documentation and tests: never a real mailbox. */
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;

export const email: Detector = {
  id: "email",
  minLength: 6,
  mayMatch: (t) => t.includes("@"),
  rules: [
    {
      // Found at `@domain.tld`, then reaching back for the local part: anchoring on the
      // `@` keeps the scan fast on text full of words that are not addresses.
      pattern:
        /@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g,
      validate: (domainPart, text, at) => {
        let local = at;
        while (local > 0 && LOCAL_PART_CHAR.test(text[local - 1]!)) local--;
        // The local part starts with a letter or digit and is at most 64 characters.
        while (local < at && !/[A-Za-z0-9]/.test(text[local]!)) local++;
        if (local === at || at - local > 64) return false;
        const end = at + domainPart.length;
        // `git@github.com:org/repo.git` is an SSH remote, not a mailbox.
        if (text[end] === ":" && text[end + 1] !== " ") return false;
        // `scheme://user:password@host` is a URL's credentials, not a mailbox; past the
        // authority (a path or query: `?to=jane@corp.com`) an address is an address.
        if (/:\/\/[^\s/?]*$/.test(text.slice(Math.max(0, local - 200), local))) return false;
        const domain = domainPart.slice(1);
        const tld = domain.slice(domain.lastIndexOf(".") + 1).toLowerCase();
        if (FILE_EXTENSIONS.has(tld) || RESERVED_DOMAIN.test(domain)) return false;
        return { start: local - at, end: domainPart.length };
      },
    },
  ],
};

function digitCount(v: string): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

export const phone: Detector = {
  id: "phone",
  minLength: 9,
  rules: [
    {
      // International (E.164, optionally grouped): +44 20 7946 0958, +14155552671, +33 (0)1 23 45 67 89.
      pattern: /(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w-]|\.\d)/g,
      validate: (v) => {
        const n = digitCount(v);
        return n >= 8 && n <= 15;
      },
    },
    {
      // North American numbers written with separators: (415) 555-2671, 415-555-2671, 415.555.2671.
      // Bare 10-digit runs are left alone: they are far more often timestamps and ids.
      pattern: /(?<![\w.+-])(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)/g,
      validate: (v) => {
        const d = v.replace(/\D/g, "").replace(/^1(?=\d{10}$)/, "");
        // Area code and exchange start 2-9; 555-0100…0199 is reserved for fiction and examples.
        return /^[2-9]\d\d[2-9]\d{6}$/.test(d) && !/^\d{3}55501\d\d$/.test(d);
      },
    },
  ],
};

export const iban: Detector = {
  id: "iban",
  minLength: 15,
  rules: [
    {
      // Country, check digits, then the account part, compact or in groups of four.
      pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}(?![A-Za-z0-9])/g,
      validate: (v) => {
        const length = IBAN_LENGTHS[v.slice(0, 2)];
        if (length === undefined) return false;
        // The regex may run on into the next capitalised word: keep the country's length.
        let taken = 0;
        let end = 0;
        while (end < v.length && taken < length) {
          if (v[end] !== " ") taken++;
          end++;
        }
        if (taken < length) return false;
        const compact = v.slice(0, end).replaceAll(" ", "");
        return ibanChecksumValid(compact) ? { start: 0, end } : false;
      },
    },
  ],
};

const validSsn = (v: string) => !EXAMPLE_SSNS.has(v.replace(/\D/g, ""));

export const usSsn: Detector = {
  id: "us-ssn",
  minLength: 9,
  rules: [
    {
      // AAA-GG-SSSS (or spaced): area never 000, 666 or 9xx, group never 00, serial never 0000.
      pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g,
      validate: validSsn,
    },
    {
      // Nine bare digits only when named as an SSN.
      pattern:
        /(?:\bSSN|social security(?: number| no\.?)?)\s{0,3}(?:#|number|no\.?)?\s{0,3}[:=]?\s{0,3}(?<secret>(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?!\d)/dgi,
      secretGroup: "secret",
      validate: validSsn,
    },
  ],
};
