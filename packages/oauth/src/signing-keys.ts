import { generateKeyPairSync, randomBytes } from "node:crypto";
import { openText, sealText } from "@portcullis/auth/secrets";
import type { Redis } from "ioredis";
import type { JWK } from "oidc-provider";

/**
 * The AS's token-signing keys, shared by every console replica: created once (ES256, P-256),
 * kept sealed with the installation key in Redis. A new key is added in front of the old
 * one to rotate; gateways fetch the JWKS again when they meet an unknown `kid`.
 */
export async function loadSigningKeys(redis: Redis, prefix: string, secretKey: Buffer): Promise<JWK[]> {
  const key = `${prefix}:oauth:signing-keys`;
  const existing = await redis.get(key);
  if (existing) return JSON.parse(openText(existing, secretKey)) as JWK[];
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = {
    ...privateKey.export({ format: "jwk" }),
    kid: randomBytes(8).toString("hex"),
    alg: "ES256",
    use: "sig",
  };
  // NX: when two replicas start at once, one key wins and both use it.
  await redis.set(key, sealText(JSON.stringify([jwk]), secretKey), "NX");
  return JSON.parse(openText((await redis.get(key)) as string, secretKey)) as JWK[];
}

/** Cookie signing keys, shared the same way (oidc-provider signs its interaction and session cookies). */
export async function loadCookieKeys(redis: Redis, prefix: string, secretKey: Buffer): Promise<string[]> {
  const key = `${prefix}:oauth:cookie-keys`;
  await redis.set(key, sealText(JSON.stringify([randomBytes(32).toString("base64url")]), secretKey), "NX");
  return JSON.parse(openText((await redis.get(key)) as string, secretKey)) as string[];
}
