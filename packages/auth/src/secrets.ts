import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Upstream credentials are sealed with AES-256-GCM under PORTCULLIS_SECRET_KEY before they
 * reach Postgres or the Redis snapshot; only the gateway (and the control plane, to test
 * a connection) opens them. Format: `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
const VERSION = "v1";

export interface UpstreamSecrets {
  headers?: Record<string, string>;
  bearer?: string;
  env?: Record<string, string>;
}

/** Derives the 32-byte key from the configured secret (any length, at least 32 chars). */
export function secretKeyFrom(secret: string): Buffer {
  if (secret.length < 32) throw new Error("PORTCULLIS_SECRET_KEY must be at least 32 characters");
  return createHash("sha256").update(secret, "utf8").digest();
}

export function sealSecrets(value: UpstreamSecrets, key: Buffer): string {
  return sealText(JSON.stringify(value), key);
}

export function openSecrets(sealed: string, key: Buffer): UpstreamSecrets {
  return JSON.parse(openText(sealed, key)) as UpstreamSecrets;
}

/** Seals one secret string (a team's webhook URL) in the same format as upstream credentials. */
export function sealText(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    iv.toString("base64url"),
    tag.toString("base64url"),
    ciphertext.toString("base64url"),
  ].join(".");
}

/** Opens what sealText (or sealSecrets) sealed; throws when the key or the format is wrong. */
export function openText(sealed: string, key: Buffer): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
    throw new Error("sealed secret has an unknown format");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]);
  return plain.toString("utf8");
}
