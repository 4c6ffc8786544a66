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
  approval: "apr",
  auditEvent: "evt",
  adminAudit: "adm",
  request: "req",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function randomToken(length: number): string {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let out = "";
  // 62 * 4 = 248: rejecting bytes >= 248 keeps the distribution uniform.
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    while (b >= 248) {
      const one = new Uint8Array(1);
      globalThis.crypto.getRandomValues(one);
      b = one[0]!;
    }
    out += ALPHABET[b % 62];
  }
  return out;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomToken(20)}`;
}
