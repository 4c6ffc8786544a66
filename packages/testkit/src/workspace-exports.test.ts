import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The workspace's public surface: packages export named entry points only (never "./*"),
// apps export nothing, and every `@portcullis/<package>/<entry>` import names a declared one.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Manifest {
  name: string;
  exports?: Record<string, string>;
}

const manifests = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((name) => existsSync(join(ROOT, dir, name, "package.json")))
    .map((name) => ({
      dir: `${dir}/${name}`,
      manifest: JSON.parse(readFileSync(join(ROOT, dir, name, "package.json"), "utf8")) as Manifest,
    }));

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](@portcullis\/[a-z-]+)\/([\w./-]+)["']/g;
const SKIP = new Set(["node_modules", ".next", "generated", "dist", "artifacts", "test-results"]);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP.has(name) ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe("workspace exports", () => {
  const packages = manifests("packages");
  const apps = manifests("apps");

  it("gives every package named entry points only, each pointing at a file", () => {
    expect(packages.length).toBeGreaterThan(5);
    for (const { dir, manifest } of packages) {
      const entries = Object.entries(manifest.exports ?? {});
      expect({
        dir,
        wildcards: entries.filter(([key, target]) => key.includes("*") || target.includes("*")),
      }).toEqual({
        dir,
        wildcards: [],
      });
      const missing = entries.filter(([, target]) => !existsSync(join(ROOT, dir, target)));
      expect({ dir, missing }).toEqual({ dir, missing: [] });
    }
  });

  it("lets apps export nothing", () => {
    expect(apps.filter(({ manifest }) => manifest.exports !== undefined).map(({ dir }) => dir)).toEqual([]);
  });

  it("has every @portcullis import name a declared entry point", () => {
    const declared = new Map(
      packages.map(({ manifest }) => [manifest.name, new Set(Object.keys(manifest.exports ?? {}))]),
    );
    const undeclared: string[] = [];
    for (const top of ["apps", "packages", "e2e", "bench", "scripts"]) {
      for (const file of sourceFiles(join(ROOT, top))) {
        for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
          const [, name, entry] = match as unknown as [string, string, string];
          if (!declared.get(name)?.has(`./${entry}`))
            undeclared.push(`${relative(ROOT, file)}: ${name}/${entry}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});
