import { describe, expect, it } from "vitest";
import { safeCallbackPath, safeRedirectUrl } from "./safe-callback";

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

describe("safeRedirectUrl (next-auth's redirect callback)", () => {
  const base = "http://127.0.0.1:3000";

  it("keeps paths and absolute URLs on the console's origin", () => {
    expect(safeRedirectUrl("/approvals?id=apr_1", base)).toBe("http://127.0.0.1:3000/approvals?id=apr_1");
    expect(safeRedirectUrl("http://127.0.0.1:3000/audit", base)).toBe("http://127.0.0.1:3000/audit");
  });

  it.each([
    "https://evil.example/login",
    "http://127.0.0.1:3001/approvals",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
  ])("sends %j to the console's home page", (url) => {
    expect(safeRedirectUrl(url, base)).toBe("http://127.0.0.1:3000/");
  });
});
