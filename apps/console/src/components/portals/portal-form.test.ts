import { describe, expect, it } from "vitest";
import { EMPTY_PORTAL_FORM, formToPortal, portalToForm } from "./portal-form";

describe("the portal form", () => {
  it("reads server lines and overrides back into the apply file's entry, and round-trips", () => {
    const read = formToPortal({
      ...EMPTY_PORTAL_FORM,
      name: " conformance ",
      naming: "bare",
      tools: "conf: *\n\ngithub: get-*, list-*",
      overrides: '[{ "server": "conf", "tool": "echo", "fixedArguments": { "mode": "safe" } }]',
    });
    expect(read).toEqual({
      portal: {
        name: "conformance",
        tools: [
          { server: "conf", tools: ["*"] },
          { server: "github", tools: ["get-*", "list-*"] },
        ],
        naming: "bare",
        exposure: "full",
        overrides: [{ server: "conf", tool: "echo", fixedArguments: { mode: "safe" } }],
      },
    });
    if (!("portal" in read)) throw new Error("unreachable");
    expect(formToPortal(portalToForm(read.portal))).toEqual(read);
  });

  it("pinned tools are their own field, merged into the overrides as pinned: true, and round-trip", () => {
    const read = formToPortal({
      ...EMPTY_PORTAL_FORM,
      name: "lean",
      exposure: "search",
      tools: "docs: *",
      pinned: "docs: search, fetch",
      overrides: '[{ "server": "docs", "tool": "fetch", "name": "get" }]',
    });
    expect(read).toMatchObject({
      portal: {
        overrides: [
          { server: "docs", tool: "fetch", name: "get", pinned: true },
          { server: "docs", tool: "search", pinned: true },
        ],
      },
    });
    if (!("portal" in read)) throw new Error("unreachable");
    const form = portalToForm(read.portal);
    expect(form.pinned).toBe("docs: fetch, search");
    expect(JSON.parse(form.overrides)).toEqual([{ server: "docs", tool: "fetch", name: "get" }]);
    expect(formToPortal(form)).toEqual(read);
    expect(formToPortal({ ...EMPTY_PORTAL_FORM, tools: "docs: *", pinned: "docs" })).toEqual({
      errors: { pinned: expect.stringContaining('line 1: write "server: tool, tool"') },
    });
  });

  it("says what is wrong with a line or the overrides", () => {
    expect(formToPortal({ ...EMPTY_PORTAL_FORM, tools: "conf" })).toEqual({
      errors: { tools: expect.stringContaining('line 1: write "server: pattern, pattern"') },
    });
    expect(formToPortal({ ...EMPTY_PORTAL_FORM, tools: "conf: *", overrides: "{" })).toEqual({
      errors: { overrides: expect.stringContaining("a JSON list") },
    });
  });
});
