import { fileURLToPath } from "node:url";
import { findImportCycles, readImportGraph } from "@portcullis/testkit/import-graph";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL(".", import.meta.url));

describe("packages/control import graph", () => {
  const graph = readImportGraph(SRC);

  it("has no import cycle (type-only imports included)", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(findImportCycles(graph)).toEqual([]);
  });

  it("keeps change-plan/ a leaf: the domains and apply/ import it, it imports neither", () => {
    const helpers = [...graph.keys()].filter((file) => file.startsWith("change-plan/"));
    expect(helpers.length).toBeGreaterThan(0);
    for (const file of helpers) {
      const outside = graph.get(file)!.filter((target) => !target.startsWith("change-plan/"));
      expect({ file, imports: outside }).toEqual({ file, imports: [] });
    }
  });

  it("would report a cycle (the check can fail)", () => {
    const cyclic = new Map([
      ["apply/a.ts", ["policies/b.ts"]],
      ["policies/b.ts", ["apply/a.ts"]],
      ["leaf.ts", []],
    ]);
    expect(findImportCycles(cyclic)).toEqual([["apply/a.ts", "policies/b.ts"]]);
  });
});
