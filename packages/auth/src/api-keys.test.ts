import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "./api-keys";

describe("agent API keys", () => {
  it("generates distinct prefixed keys whose hash verifies", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key.startsWith(a.prefix)).toBe(true);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(hashApiKey(a.key)).toBe(a.hash);
    expect(a.hash).not.toContain(a.key.slice(4));
  });

  it("rejects malformed tokens by shape", () => {
    expect(looksLikeApiKey("pcs_short")).toBe(false);
    expect(looksLikeApiKey(`xyz_${"a".repeat(40)}`)).toBe(false);
  });
});
