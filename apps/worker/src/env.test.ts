import { isAppError } from "@portcullis/contracts/errors";
import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

describe("loadEnv", () => {
  it("applies defaults to everything but DATABASE_URL", () => {
    expect(loadEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/portcullis" })).toEqual({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/portcullis",
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: "portcullis",
      LOG_LEVEL: "info",
      AUDIT_CHECKPOINT_EVERY_MS: 600_000,
      AUDIT_CONCURRENCY: 2,
      AUDIT_RETENTION_DAYS: 90,
      AUDIT_ROLLUP_EVERY_MS: 10_000,
    });
  });

  it("takes the console's URL for webhook links, and an empty one as unset", () => {
    const base = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/portcullis" };
    expect(loadEnv({ ...base, PORTCULLIS_CONSOLE_URL: "https://console.example.com" })).toMatchObject({
      PORTCULLIS_CONSOLE_URL: "https://console.example.com",
    });
    expect(loadEnv({ ...base, PORTCULLIS_CONSOLE_URL: "" }).PORTCULLIS_CONSOLE_URL).toBeUndefined();
    expect(() => loadEnv({ ...base, PORTCULLIS_CONSOLE_URL: "console.example.com" })).toThrow(
      /PORTCULLIS_CONSOLE_URL: must be an http\(s\):\/\/ URL/,
    );
  });

  it("fails naming each bad variable", () => {
    let caught: unknown;
    try {
      loadEnv({ REDIS_URL: "http://nope", LOG_LEVEL: "loud" });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe("INVALID_INPUT");
    expect((caught as Error).message).toMatch(/DATABASE_URL/);
    expect((caught as Error).message).toMatch(/REDIS_URL/);
    expect((caught as Error).message).toMatch(/LOG_LEVEL/);
  });
});
