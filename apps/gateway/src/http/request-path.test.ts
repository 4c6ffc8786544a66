import { describe, expect, it } from "vitest";
import { pathOf, queryOf } from "./request-path";

// The endpoint once split each URL on "?": these must answer exactly what the split gave.
describe("pathOf and queryOf", () => {
  const urls = [
    "",
    "/mcp",
    "/mcp?",
    "/mcp?a=1",
    "/mcp/p?access_token=x",
    "/mcp?a?access_token=x",
    "?",
    "??x",
  ];
  it.each(urls)("read %j as split('?') does", (url) => {
    expect(pathOf(url)).toBe(url.split("?")[0]);
    expect(queryOf(url)).toBe(url.split("?")[1]);
  });
});
