/**
 * Readable, prefixed identifiers (`srv_4k9…`) so an id in a log line says what it names.
 * 16 random bytes in base62-ish alphabet; web-crypto only, so this stays I/O-free.
 */
export const ID_PREFIXES = {
  organization: "org",
  user: "usr",
  account: "acc",
  membership: "mem",
  invitation: "inv",
  team: "team",
  teamMember: "tm",
  agent: "agt",
  apiKey: "key",
  server: "srv",
  tool: "tool",
  grant: "grt",
  policy: "pol",
  portal: "ptl",
  approval: "apr",
  auditEvent: "evt",
  adminAudit: "adm",
  auditCheckpoint: "ack",
  request: "req",
  oauthConnection: "occ",
  task: "tsk",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// The gateway draws two ids per request; one getRandomValues call per id is a native round
// trip each time. Draw CSPRNG bytes a block at a time instead and hand each byte out once
// (Node's randomUUID buffers the same way).
const RANDOM_BLOCK = 4096;
const randomBlock = new Uint8Array(RANDOM_BLOCK);
let randomOffset = RANDOM_BLOCK;

function nextRandomByte(): number {
  if (randomOffset >= RANDOM_BLOCK) {
    globalThis.crypto.getRandomValues(randomBlock);
    randomOffset = 0;
  }
  return randomBlock[randomOffset++]!;
}

export function randomToken(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    let b = nextRandomByte();
    // 62 * 4 = 248: rejecting bytes >= 248 keeps the distribution uniform.
    while (b >= 248) b = nextRandomByte();
    out += ALPHABET[b % 62];
  }
  return out;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomToken(20)}`;
}
