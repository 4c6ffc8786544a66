import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * Redis is not a root of trust: whatever the control plane leaves there for gateways and
 * workers (the snapshot, approval decisions, audit jobs) carries an HMAC-SHA256 under a key
 * derived from PORTCULLIS_SECRET_KEY. Someone who can write Redis but does not hold the
 * secret cannot forge an entry the readers accept.
 *
 * One key per purpose (HKDF `info`), so a MAC made for one kind of entry never verifies as
 * another (a signed decision cannot be replayed as a snapshot).
 */
export type MacPurpose = "snapshot" | "approval-decision" | "audit-job" | "audit-checkpoint";

const SALT = "portcullis/redis-mac/v1";

/** The 32-byte HMAC key for `purpose`, derived (HKDF-SHA256) from the installation secret. */
export function macKey(secret: Buffer | string, purpose: MacPurpose): Buffer {
  const ikm = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  return Buffer.from(hkdfSync("sha256", ikm, SALT, `portcullis:${purpose}`, 32));
}

/** HMAC-SHA256 of `payload` (UTF-8) under `key`, base64url. */
export function signPayload(key: Buffer, payload: string): string {
  return createHmac("sha256", key).update(payload, "utf8").digest("base64url");
}

/** Whether `mac` is `payload`'s MAC under `key` (constant-time; a missing MAC never verifies). */
export function verifyPayload(key: Buffer, payload: string, mac: string | null | undefined): boolean {
  if (typeof mac !== "string" || mac.length === 0) return false;
  const expected = Buffer.from(signPayload(key, payload), "base64url");
  const given = Buffer.from(mac, "base64url");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
