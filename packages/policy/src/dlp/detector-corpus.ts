import type { DlpDetectorId } from "@portcullis/contracts/dlp-policy";
import { IBAN_LENGTHS, luhnValid } from "./checksums";

/**
 * A labelled corpus for measuring the built-in detectors: each sample is a piece of tool
 * traffic and the secrets it holds (detector and exact value). Values are generated from a
 * fixed seed, so the corpus and the measured precision and recall are the same on every run.
 * Negatives are the look-alikes tool traffic is full of: UUIDs, git SHAs, SHA-256 digests
 * (hex and base64), test card numbers in documentation, versions, timestamps, ids.
 */
export interface CorpusSample {
  text: string;
  /** The JSON member name the text is the value of, when it matters (`"password": "…"`). */
  field?: string;
  secrets: Array<{ detector: DlpDetectorId; value: string }>;
}

function prng(seed: number): () => number {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const BASE62 = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";

export function buildDetectorCorpus(seed = 20_260_728): CorpusSample[] {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chars = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join("");
  const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const samples: CorpusSample[] = [];
  const positive = (detector: DlpDetectorId, value: string, templates: readonly string[], field?: string) => {
    samples.push({
      text: pick(templates).replace("{}", value),
      secrets: [{ detector, value }],
      ...(field && { field }),
    });
  };
  const negative = (text: string, field?: string) =>
    samples.push({ text, secrets: [], ...(field && { field }) });
  const prose = [
    "Here it is: {}",
    "{}",
    "export VALUE={}",
    '{"value": "{}", "ok": true}',
    "line 42: found {} in the config",
    "please use {} for the deploy",
  ];

  // ── AWS ──
  const awsPrefixes = ["AKIA", "ASIA", "AIDA", "AROA", "AGPA"];
  for (let i = 0; i < 25; i++)
    positive("aws-access-key", pick(awsPrefixes) + chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), prose);
  const awsSecretTemplates = [
    "aws_secret_access_key = {}",
    "AWS_SECRET_ACCESS_KEY={}",
    '{"SecretAccessKey": "{}"}',
    "[default]\naws_access_key_id = AKIA0000\naws_secret_access_key={}\n",
    "secret_access_key: '{}'",
  ];
  for (let i = 0; i < 25; i++) positive("aws-secret-key", chars(`${BASE62}/+`, 40), awsSecretTemplates);

  // ── GitHub, Slack ──
  for (let i = 0; i < 20; i++)
    positive("github-token", `${pick(["ghp", "gho", "ghu", "ghs", "ghr"])}_${chars(BASE62, 36)}`, prose);
  for (let i = 0; i < 8; i++)
    positive("github-token", `github_pat_${chars(BASE62, 22)}_${chars(BASE62, 59)}`, prose);
  for (let i = 0; i < 12; i++)
    positive("slack-token", `xoxb-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${chars(BASE62, 24)}`, prose);
  for (let i = 0; i < 8; i++)
    positive(
      "slack-token",
      `xoxp-${chars(DIGITS, 11)}-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${chars(HEX, 32)}`,
      prose,
    );
  for (let i = 0; i < 6; i++)
    positive(
      "slack-token",
      `https://hooks.slack.com/services/T${chars(UPPER + DIGITS, 8)}/B${chars(UPPER + DIGITS, 10)}/${chars(BASE62, 24)}`,
      ["webhook: {}", 'curl -X POST -d \'{"text":"hi"}\' {}'],
    );

  // ── private keys ──
  const keyKinds = [
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "DSA PRIVATE KEY",
  ];
  for (let i = 0; i < 18; i++) {
    const kind = pick(keyKinds);
    const lines = Array.from({ length: 4 + int(20) }, () => chars(`${BASE62}+/`, 64));
    const block = `-----BEGIN ${kind}-----\n${lines.join("\n")}\n${chars(BASE62, 20)}==\n-----END ${kind}-----`;
    positive("private-key", block, ["{}", "key file contents:\n{}\n", "cat id_rsa\n{}"]);
  }
  for (let i = 0; i < 3; i++) {
    const lines = Array.from({ length: 12 }, () => chars(`${BASE62}+/`, 64));
    const block = `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n${lines.join("\n")}\n=${chars(BASE62, 4)}\n-----END PGP PRIVATE KEY BLOCK-----`;
    positive("private-key", block, ["{}"]);
  }

  // ── JWTs ──
  for (let i = 0; i < 20; i++) {
    const header = b64url(JSON.stringify({ alg: pick(["HS256", "RS256", "ES256"]), typ: "JWT" }));
    const payload = b64url(
      JSON.stringify({
        sub: chars(DIGITS, 10),
        name: pick(["Ada", "Linus", "Grace"]),
        iat: 1_700_000_000 + int(9_999_999),
      }),
    );
    positive("jwt", `${header}.${payload}.${chars(`${BASE62}-_`, 43)}`, [
      "Authorization: Bearer {}",
      '{"id_token": "{}"}',
      "session={}; Path=/",
      "{}",
    ]);
  }

  {
    // Hand-serialized claims: a space after `{` makes the payload start eyA, not eyJ.
    const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = b64url('{ "sub": "1234567890", "admin": true }');
    positive("jwt", `${header}.${payload}.${chars(`${BASE62}-_`, 43)}`, ["{}"]);
  }

  // ── generic secrets ──
  const password = () =>
    `${chars(UPPER, 2)}${chars(LOWER, 4)}${chars(DIGITS, 3)}${pick(["!", "#", "$", "%", "&"])}${chars(BASE62, 4)}`;
  const assignments = [
    "DB_PASSWORD={}",
    "password: {}",
    '"client_secret": "{}"',
    "--api-key={}",
    "SECRET_KEY_BASE = {}",
    "auth_token={}",
  ];
  for (let i = 0; i < 18; i++)
    positive("generic-secret", pick([password(), chars(BASE62, 32), chars(HEX, 40)]), assignments);
  for (let i = 0; i < 6; i++)
    positive("generic-secret", chars(BASE62, 32), [
      "Authorization: Bearer {}",
      "-H 'Authorization: Token {}'",
    ]);
  for (let i = 0; i < 8; i++)
    positive(
      "generic-secret",
      pick([
        `sk_live_${chars(BASE62, 24)}`,
        `sk-proj-${chars(`${BASE62}_-`, 48)}`,
        `AIza${chars(`${BASE62}_-`, 35)}`,
        `glpat-${chars(BASE62, 20)}`,
        `npm_${chars(BASE62, 36)}`,
      ]),
      prose,
    );
  for (let i = 0; i < 8; i++)
    positive("generic-secret", chars(BASE62, 40), ["key {} set", "using {} as credential"]);
  for (let i = 0; i < 6; i++)
    positive("generic-secret", password(), [
      "postgres://app:{}@db.internal:5432/app",
      "mongodb+srv://admin:{}@cluster0.mongodb.net/",
    ]);
  positive("generic-secret", "dXNlcjpQNHNzdzByZCE=", ["Authorization: Basic {}"]);
  for (let i = 0; i < 3; i++)
    positive("generic-secret", `${chars(`${BASE62}+/`, 86)}==`, [
      "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={};EndpointSuffix=core.windows.net",
    ]);
  for (let i = 0; i < 8; i++) {
    const value = pick([password(), chars(BASE62, 24)]);
    samples.push({
      text: value,
      field: pick(["password", "apiKey", "client_secret", "accessToken", "x-api-key"]),
      secrets: [{ detector: "generic-secret", value }],
    });
  }

  // ── payment cards ──
  const card = (prefix: string, length: number) => {
    let body = prefix + chars(DIGITS, length - prefix.length - 1);
    for (let check = 0; check < 10; check++) if (luhnValid(body + check)) return body + check;
    body = "";
    return body;
  };
  const group = (d: string, sep: string) =>
    (d.length === 15 ? [d.slice(0, 4), d.slice(4, 10), d.slice(10)] : d.match(/.{1,4}/g)!).join(sep);
  const cardTemplates = [
    "card: {}",
    "Paid with {} on 2024-03-01",
    '{"pan": "{}"}',
    "cc={}&exp=12/27",
    "number {} exp 09/26 cvc 123",
  ];
  for (let i = 0; i < 30; i++) {
    const d = pick([
      card(`4${chars(DIGITS, 1)}`, 16),
      card(pick(["51", "52", "53", "54", "55"]), 16),
      card(pick(["34", "37"]), 15),
      card("6011", 16),
      card("2221", 16),
      card("3530", 16),
    ]);
    positive("credit-card", pick([d, group(d, " "), group(d, "-")]), cardTemplates);
  }

  // ── emails ──
  const first = ["jane", "j.doe", "max.mustermann", "a_b", "ops+alerts", "li.wei", "o.connor"];
  const domains = [
    "acme-corp.io",
    "mail.globex.com",
    "initech.co.uk",
    "contoso.de",
    "umbrella.org",
    "example-shop.fr",
  ];
  for (let i = 0; i < 25; i++)
    positive("email", `${pick(first)}${int(100)}@${pick(domains)}`, [
      "contact {} for access",
      "From: Jane <{}>",
      '{"email": "{}"}',
      "{},",
      "mailto:{}",
    ]);

  // ── phones ──
  const phones = () =>
    pick([
      `+1 ${pick(["415", "212", "646", "303"])} ${2 + int(8)}${chars(DIGITS, 2)} ${chars(DIGITS, 4)}`,
      `+44 20 ${7 + int(2)}${chars(DIGITS, 3)} ${chars(DIGITS, 4)}`,
      `+49 30 ${chars(DIGITS, 8)}`,
      `+33 6 ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)}`,
      `+${pick(["81", "61", "34", "39"])}${chars(DIGITS, 9)}`,
      `(${pick(["415", "212", "917", "312"])}) ${2 + int(8)}${chars(DIGITS, 2)}-${chars(DIGITS, 4)}`,
      `${pick(["415", "212", "917", "312"])}-${2 + int(8)}${chars(DIGITS, 2)}-${chars(DIGITS, 4)}`,
      `${pick(["415", "650"])}.${2 + int(8)}${chars(DIGITS, 2)}.${chars(DIGITS, 4)}`,
    ]);
  for (let i = 0; i < 30; i++)
    positive("phone", phones(), ["call me at {}", "Tel: {}", '{"phone": "{}"}', "{} (mobile)"]);

  // ── IBANs ──
  const ibanFor = (country: string) => {
    const bban = chars(DIGITS, IBAN_LENGTHS[country]! - 4);
    const numeric = `${bban}${country.charCodeAt(0) - 55}${country.charCodeAt(1) - 55}00`;
    let remainder = 0;
    for (const c of numeric) remainder = (remainder * 10 + Number(c)) % 97;
    return `${country}${String(98 - remainder).padStart(2, "0")}${bban}`;
  };
  for (let i = 0; i < 25; i++) {
    const compact = ibanFor(pick(["DE", "FR", "GB", "NL", "ES", "IT", "CH", "BE"]));
    const value = pick([compact, compact.match(/.{1,4}/g)!.join(" ")]);
    positive("iban", value, ["IBAN: {}", "pay to {} by Friday", '{"iban": "{}"}', "Konto {} (Sparkasse)"]);
  }

  // ── SSNs ──
  const ssn = () => {
    let area = 1 + int(899);
    if (area === 666) area = 667;
    return [
      String(area).padStart(3, "0"),
      String(1 + int(99)).padStart(2, "0"),
      String(1 + int(9999)).padStart(4, "0"),
    ];
  };
  for (let i = 0; i < 20; i++)
    positive("us-ssn", ssn().join(pick(["-", "-", " "])), [
      "SSN {}",
      "ssn: {}",
      '{"ssn": "{}"}',
      "employee 7 — {} — payroll",
    ]);
  for (let i = 0; i < 6; i++) positive("us-ssn", ssn().join(""), ["SSN: {}", "Social Security Number {}"]);

  // ── known limits: real secrets the detectors are built to miss (kept so recall is honest) ──
  const limit = (detector: DlpDetectorId, value: string, text = value) =>
    samples.push({ text, secrets: [{ detector, value }] });
  limit("phone", "4155552671", "cell 4155552671"); // bare 10 digits: indistinguishable from ids and timestamps
  limit("phone", "020 7946 0958", "office 020 7946 0958"); // national format without country code
  limit("credit-card", "4532.0151.1283.0366", "card 4532.0151.1283.0366"); // dot-grouped
  limit("generic-secret", "correct horse battery staple", "password: correct horse battery staple"); // passphrase with spaces
  limit("us-ssn", "536221234", "id 536221234"); // nine bare digits, not named as an SSN
  limit("iban", "de89370400440532013000", "iban de89370400440532013000"); // lowercase
  limit(
    "private-key",
    "PuTTY-User-Key-File-2: ssh-rsa",
    "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 8\nAAAAgQC3",
  ); // PuTTY format, not PEM

  // ── tricky negatives ──
  const uuid = () =>
    `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(["8", "9", "a", "b"])}${chars(HEX, 3)}-${chars(HEX, 12)}`;
  for (let i = 0; i < 10; i++)
    negative(pick(["request {} failed", '{"id": "{}"}', "trace_id={}"]).replace("{}", uuid()));
  for (let i = 0; i < 10; i++)
    negative(pick(["commit {}", "Merge {} into main", "HEAD is now at {}"]).replace("{}", chars(HEX, 40)));
  for (let i = 0; i < 10; i++)
    negative(pick(["sha256: {}", "{}  dist/app.tar.gz", "checksum={}"]).replace("{}", chars(HEX, 64)));
  for (let i = 0; i < 6; i++) negative(`"integrity": "sha512-${chars(`${BASE62}+/`, 86)}=="`);
  for (let i = 0; i < 6; i++) negative(`digest: ${chars(`${BASE62}+/`, 43)}=`);
  for (let i = 0; i < 4; i++) negative(`image: ghcr.io/acme/api@sha256:${chars(HEX, 64)}`);
  const testCards = [
    "4111 1111 1111 1111",
    "4242424242424242",
    "5555-5555-5555-4444",
    "378282246310005",
    "6011111111111117",
    "4000 0566 5566 5556",
  ];
  for (const n of testCards) negative(`For testing, use the card number ${n} with any future expiry date.`);
  for (const v of [
    "v2.14.3",
    "1.0.0-beta.2+exp.sha.5114f85",
    "node 20.19.4",
    "10.0.19045.3693",
    "version 2024.01.15",
    "release 3.12.0rc1",
  ])
    negative(`upgraded to ${v}`);
  for (const t of [
    "1700000000",
    "1712345678901",
    "2024-01-15T10:30:00Z",
    "2024-01-15 10:30:00.123456",
    "Mon, 15 Jan 2024 10:30:00 GMT",
    "20240115103000",
  ])
    negative(`timestamp ${t}`);
  for (let i = 0; i < 6; i++)
    negative(`order #${chars(DIGITS, 6)} shipped; tracking 1Z${chars(UPPER + DIGITS, 16)}`);
  // Snowflake ids (X/Twitter, Discord): 18–19 digits, today starting 1.
  for (let i = 0; i < 6; i++)
    negative(`tweet 1${pick(["7", "8"])}${chars(DIGITS, 17)} liked ${chars(DIGITS, 3)} times`);
  for (const s of [
    "ISBN 978-3-16-148410-0",
    "listening on 192.168.100.200:8080 and [2001:db8::8a2e:370:7334]:443",
    "lodash@4.17.21 and @types/node@20.19.43",
    "icon: assets/logo@2x.png",
    "write to user@example.com or admin@test.example",
    "call 555-0123 or (212) 555-0142 (fictional)",
    "price $1,234,567.89 incl. tax",
    "ssn field is 078-05-1120 in the sample",
    "dial 1-800-FLOWERS",
    "ULID 01HQ3ZK8Y9X4W7V6T5S4R3Q2P1",
    "Use -----BEGIN RSA PRIVATE KEY----- blocks only in the secrets manager.",
    `-----BEGIN PUBLIC KEY-----\n${chars(`${BASE62}+/`, 64)}\n${chars(`${BASE62}+/`, 64)}\n-----END PUBLIC KEY-----`,
    "set GITHUB_TOKEN to ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx in CI",
    "SLACK_BOT_TOKEN=xoxb-your-token-here",
    "AKIAIOSFODNN7EXAMPLE is the documentation key",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "payload eyJmb28iOiJiYXIifQ== is just base64 JSON",
    "password: ********",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the point
    "token: ${GITHUB_TOKEN}",
    "api_key=<your-api-key>",
    "max_tokens: 4096",
    "secret_name: prod-db-credentials",
    "tokenizer=bert-base-uncased",
    "password_min_length=12",
    "auth_method: oauth2",
    "The Bearer token must be sent in the Authorization header.",
    "path /usr/local/lib/node_modules/typescript/lib/tsserver.js",
    "function getUserAccountSettingsForOrganization(orgId) {}",
    "EAN 4006381333931 and UPC 036000291452",
    "Invoice INV-2024-000123, PO 4500012345, ref DE-2024-11",
    "coords 48.8566, 2.3522 at 2024/01/15",
    "matrix [[1, 2, 3], [4, 5, 6]] sums to 21",
    "GB and NL teams met on 2024-03-04; Q1 revenue up 12%",
    "git remote add origin git@github.com:acme/portcullis.git",
    "dates 12-05-2024 and 05/12/2024, MAC 00:1A:2B:3C:4D:5E, ext. 4567",
    "arn:aws:iam::123456789012:role/DeployRole",
    "pod api-7d9f8b6c5d-x2k4q restarted",
    "https://docs.google.com/document/d/1aBcD3fGhIjKlMnOpQrStUvWxYz0123456789AbCdEf/edit",
    "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    "customer cus_NffrFeUfNV2Hib paid pi_3MtwBwLkdIwHu7ix28a3tqPa",
    "part no. 412-33-1098, bin 7",
    "oauth callback ?state=eyJyZXR1cm4iOiIvIn0&code=4/0AX4XfWh",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the point
    "postgres://app:${DB_PASSWORD}@db:5432/app",
    "function handleOAuth2CallbackForGoogleDriveIntegration() {}",
    "role AWSLambdaBasicExecutionRole2024v3Production attached",
    "pinned QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco on IPFS",
    "eth 0x742d35Cc6634C0532925a3b844Bc454e4438f44e and mongo 507f1f77bcf86cd799439011",
    "S3 key uploads/2024/01/15/IMG_20240115_103000_HDR.jpg",
  ])
    negative(s);
  negative("hunter2", "password");
  negative("true", "apiKeyRequired");
  negative("prod-db-credentials", "secretName");

  return samples;
}
