import type { AuditEvent } from "@portcullis/contracts/audit";
import { macKey, signPayload, verifyPayload } from "@portcullis/contracts/redis-mac";

/*
 * Audit jobs are authenticated: anyone who can write to Redis could otherwise add audit
 * events that never happened (or make the worker store noise). The gateway signs each job
 * with the shared Redis MAC (contracts/redis-mac.ts, purpose "audit-job"), and the worker
 * refuses a job whose MAC does not verify.
 */

export const AUDIT_JOB_PURPOSE = "audit-job";

/** What a MAC covers: the events, in order, and the journal they are acknowledged to. */
export interface AuditJobBody {
  events: readonly AuditEvent[] | readonly unknown[];
  sink?: string | undefined;
}

/** The 32-byte HMAC key for audit jobs, derived from the installation's secret key. */
export function auditJobKey(secret: Buffer | string): Buffer {
  return macKey(secret, AUDIT_JOB_PURPOSE);
}

/**
 * The bytes signed. JSON of the job's own data: BullMQ stores `JSON.stringify(data)` and
 * hands the worker `JSON.parse` of it, and for JSON-born values that round trip writes
 * the same text again (key order, numbers and escapes all survive), so both ends agree.
 */
function signedText(body: AuditJobBody, lines?: readonly string[]): string {
  if (!lines) return JSON.stringify([AUDIT_JOB_PURPOSE, body.sink ?? null, body.events]);
  // The same text, from each event's JSON already made: JSON.stringify of an array is its
  // elements' JSON joined by commas.
  return `[${JSON.stringify(AUDIT_JOB_PURPOSE)},${JSON.stringify(body.sink ?? null)},[${lines.join(",")}]]`;
}

/** `lines`, when given, must be `JSON.stringify` of each event, in order (the sink has them already). */
export function signAuditJob(key: Buffer, body: AuditJobBody, lines?: readonly string[]): string {
  return signPayload(key, signedText(body, lines));
}

/** True when `mac` is the MAC of `body` under `key` (constant-time comparison). */
export function verifyAuditJob(key: Buffer, body: AuditJobBody, mac: unknown): boolean {
  return typeof mac === "string" && verifyPayload(key, signedText(body), mac);
}
