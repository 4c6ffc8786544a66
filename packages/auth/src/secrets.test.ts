import { describe, expect, it } from "vitest";
import { openSecrets, sealSecrets, secretKeyFrom } from "./secrets";

const key = secretKeyFrom("a-test-secret-that-is-long-enough-1234");

describe("sealed upstream secrets", () => {
  it("round-trips and never contains the plaintext", () => {
    const sealed = sealSecrets({ bearer: "tok-123456", headers: { "X-Api-Key": "abc" } }, key);
    expect(sealed).not.toContain("tok-123456");
    expect(openSecrets(sealed, key)).toEqual({ bearer: "tok-123456", headers: { "X-Api-Key": "abc" } });
  });

  it("refuses a tampered ciphertext or the wrong key", () => {
    const sealed = sealSecrets({ bearer: "x" }, key);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => openSecrets(parts.join("."), key)).toThrow();
    expect(() => openSecrets(sealed, secretKeyFrom("another-secret-that-is-long-enough-99"))).toThrow();
  });

  it("rejects short secrets", () => {
    expect(() => secretKeyFrom("short")).toThrow(/at least 32/);
  });
});
