import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./safe-callback";

describe("safeCallbackPath", () => {
  it("keeps paths on this console, with their query and fragment", () => {
    expect(safeCallbackPath("/approvals")).toBe("/approvals");
    expect(safeCallbackPath("/audit?decision=deny&from=2026-01-01#row-3")).toBe(
      "/audit?decision=deny&from=2026-01-01#row-3",
    );
    expect(safeCallbackPath("/servers/srv_1/edit")).toBe("/servers/srv_1/edit");
  });

  it.each([
    "/\\evil.com",
    "/\\\\evil.com",
    "//evil.com",
    "//evil.com/approvals",
    "https://evil.com",
    "http://evil.com/login",
    "javascript:alert(1)",
    "/\t/evil.com",
    "/\n/evil.com",
    " /evil",
    "evil.com",
    "",
  ])("refuses %j, returning the home page", (value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it("refuses a missing value", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(null)).toBe("/");
  });

  it("normalizes dot segments without leaving the origin", () => {
    expect(safeCallbackPath("/a/../../b")).toBe("/b");
  });
});
