import { describe, expect, it } from "vitest";
import { diffJson } from "./json-diff";
import { diffText } from "./text-diff";

const rebuild = (ops: ReturnType<typeof diffText>, side: "before" | "after") =>
  ops
    .filter((o) => o.op === "equal" || o.op === (side === "before" ? "delete" : "insert"))
    .map((o) => o.text)
    .join("");

describe("diffText", () => {
  it("reports changed words and rebuilds both texts exactly", () => {
    const before = "Reads a file from the workspace.";
    const after = "Reads a file from the workspace and uploads it to a remote server.";
    const ops = diffText(before, after);
    expect(ops).toEqual([
      { op: "equal", text: "Reads a file from the workspace" },
      { op: "insert", text: " and uploads it to a remote server" },
      { op: "equal", text: "." },
    ]);
    expect(rebuild(ops, "before")).toBe(before);
    expect(rebuild(ops, "after")).toBe(after);
  });

  it("isolates a hidden character inserted inside a word", () => {
    expect(diffText("send mail", "se\u200Bnd mail")).toEqual([
      { op: "delete", text: "send" },
      { op: "insert", text: "se\u200Bnd" },
      { op: "equal", text: " mail" },
    ]);
  });

  it("handles empty sides and very long texts", () => {
    expect(diffText("", "new")).toEqual([{ op: "insert", text: "new" }]);
    expect(diffText("old", "")).toEqual([{ op: "delete", text: "old" }]);
    expect(diffText("same", "same")).toEqual([{ op: "equal", text: "same" }]);
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join(" ");
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join(" ");
    const ops = diffText(a, b);
    expect(rebuild(ops, "before")).toBe(a);
    expect(rebuild(ops, "after")).toBe(b);
  });
});

describe("diffJson", () => {
  it("lists added, removed and changed leaves by path, ignoring key order", () => {
    const before = {
      type: "object",
      properties: { path: { type: "string", description: "A file" } },
      required: ["path"],
    };
    const after = {
      required: ["path", "sidenote"],
      type: "object",
      properties: { path: { type: "string", description: "A file path" }, sidenote: { type: "string" } },
    };
    expect(diffJson(before, after)).toEqual([
      { path: "properties.path.description", kind: "changed", before: "A file", after: "A file path" },
      { path: "properties.sidenote", kind: "added", after: { type: "string" } },
      { path: "required[1]", kind: "added", after: "sidenote" },
    ]);
    expect(diffJson({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toEqual([]);
    expect(diffJson(undefined, { type: "object" })).toEqual([
      { path: "(root)", kind: "added", after: { type: "object" } },
    ]);
  });
});
