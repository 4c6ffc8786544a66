import { createHash, timingSafeEqual } from "node:crypto";
import { randomToken } from "@portcullis/contracts/ids";

/**
 * Agent API keys: `pcs_` + 40 base62 characters (~238 bits). Only the SHA-256 is stored;
 * a fast hash is right here because the key itself is high-entropy (no dictionary to
 * grind), and the gateway must verify it on every request.
 */
export const API_KEY_PREFIX = "pcs_";
const KEY_BODY_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export interface GeneratedApiKey {
  /** The full key: shown to the user once, never stored. */
  key: string;
  /** Safe to store and display ("pcs_3kF9aB2x"). */
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const key = API_KEY_PREFIX + randomToken(KEY_BODY_LENGTH);
  return { key, prefix: displayPrefix(key), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** Cheap shape check so obviously wrong tokens are rejected without hashing. */
export function looksLikeApiKey(token: string): boolean {
  return token.length === API_KEY_PREFIX.length + KEY_BODY_LENGTH && token.startsWith(API_KEY_PREFIX);
}

export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
