import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { AuditEvent } from "@portcullis/contracts/audit";

/*
 * Audit jobs are authenticated: anyone who can write to Redis could otherwise add audit
 * events that never happened (or make the worker store noise). The gateway signs each job
 * with HMAC-SHA256 under a key derived from PORTCULLIS_SECRET_KEY for this purpose only,
 * and the worker refuses a job whose MAC does not verify.
 *
 * Stand-in for the shared helper of packages/contracts (redis-mac.ts: macKey, sign,
 * verify) that is being written at the same time; same construction (HKDF-SHA256 with the
 * purpose as info, HMAC-SHA256), so pointing this module at it changes no MAC.
 */

export const AUDIT_JOB_PURPOSE = "audit-job";

/** What a MAC covers: the events, in order, and the journal they are acknowledged to. */
export interface AuditJobBody {
  events: readonly AuditEvent[] | readonly unknown[];
  sink?: string | undefined;
}

/** The 32-byte HMAC key for audit jobs, derived from the installation's secret key. */
export function auditJobKey(secret: Buffer | string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `portcullis:${AUDIT_JOB_PURPOSE}`, 32));
}

/**
 * The bytes signed. JSON of the job's own data: BullMQ stores `JSON.stringify(data)` and
 * hands the worker `JSON.parse` of it, and for JSON-born values that round trip writes
 * the same text again (key order, numbers and escapes all survive), so both ends agree.
 */
function signedText(body: AuditJobBody): string {
  return JSON.stringify([AUDIT_JOB_PURPOSE, body.sink ?? null, body.events]);
}

export function signAuditJob(key: Buffer, body: AuditJobBody): string {
  return createHmac("sha256", key).update(signedText(body)).digest("base64url");
}

/** True when `mac` is the MAC of `body` under `key` (constant-time comparison). */
export function verifyAuditJob(key: Buffer, body: AuditJobBody, mac: unknown): boolean {
  if (typeof mac !== "string") return false;
  const expected = Buffer.from(signAuditJob(key, body));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
