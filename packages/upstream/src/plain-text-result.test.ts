import { specTypeSchemas } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { plainTextResult } from "./plain-text-result";

// The shortcut must give exactly what the SDK's schema gives (same JSON, key order
// included) wherever it answers, and leave every other shape to the schema.
const schema = specTypeSchemas.CallToolResult["~standard"];

const corpus: Array<[string, unknown, boolean]> = [
  ["one text block", { content: [{ type: "text", text: "hi" }] }, true],
  ["isError false", { content: [{ type: "text", text: "" }], isError: false }, true],
  [
    "isError true, two blocks",
    {
      content: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ],
      isError: true,
    },
    true,
  ],
  ["no content blocks", { content: [] }, true],
  ["isError first", { isError: false, content: [{ type: "text", text: "x" }] }, false],
  ["text before type", { content: [{ text: "x", type: "text" }] }, false],
  ["annotations", { content: [{ type: "text", text: "x", annotations: { priority: 1 } }] }, false],
  ["unknown block key", { content: [{ type: "text", text: "x", extra: 1 }] }, false],
  ["image block", { content: [{ type: "image", data: "aGk=", mimeType: "image/png" }] }, false],
  ["_meta", { content: [], _meta: { a: 1 } }, false],
  ["structuredContent", { content: [], structuredContent: { a: 1 } }, false],
  ["extra top-level key", { content: [], other: 1 }, false],
  ["isError not boolean", { content: [], isError: "yes" }, false],
  ["text not a string", { content: [{ type: "text", text: 1 }] }, false],
  ["no content", {}, false],
  ["content not an array", { content: "x" }, false],
  ["not an object", [1], false],
];

describe("plainTextResult", () => {
  it.each(corpus)("%s", async (_name, value, taken) => {
    const input = structuredClone(value);
    const plain = plainTextResult(input);
    expect(plain !== null).toBe(taken);
    if (plain === null) return;
    const parsed = await schema.validate(structuredClone(value));
    expect(parsed.issues).toBeUndefined();
    expect(JSON.stringify(plain)).toBe(JSON.stringify((parsed as { value: unknown }).value));
  });
});
