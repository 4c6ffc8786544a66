// Compiles one app (gateway, worker, CLI) into a single ES module, dist/main.js, that runs
// with plain `node`: our workspace packages are TypeScript source, so they are bundled in;
// every npm dependency stays external and is loaded from node_modules at run time (native
// addons, Prisma's runtime and BullMQ's Lua scripts keep working as installed).
//
// The output keeps the depth of the sources (apps/<app>/dist/main.js beside
// apps/<app>/src/main.ts) so that paths resolved from import.meta.url in bundled modules —
// the repository's prisma/migrations and .env — resolve to the same files.
//
// Usage (from an app's folder): node ../../scripts/build-app.mjs [entry=src/main.ts]
import { rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const appDir = process.cwd();
const entry = process.argv[2] ?? "src/main.ts";
const outfile = path.join(appDir, "dist", "main.js");

/**
 * Bundles @portcullis/* (TS source); leaves every other bare import to node_modules. An npm
 * import of a bundled workspace package must resolve from the app itself (pnpm installs only
 * declared dependencies), so the app declares it too; the build names any that are missing.
 */
const missing = new Set();
const externalNpm = {
  name: "external-npm",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith("@portcullis/") || args.pluginData === "from-app") return undefined;
      if (!args.path.startsWith("node:") && !args.importer.startsWith(appDir)) {
        const fromApp = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: appDir,
          pluginData: "from-app",
        });
        if (fromApp.errors.length > 0) missing.add(packageName(args.path));
      }
      return { path: args.path, external: true };
    });
  },
};

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

await rm(path.join(appDir, "dist"), { recursive: true, force: true });
const result = await build({
  absWorkingDir: appDir,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  sourcemap: "linked",
  // Workspace packages are tracked by their source, so node:* and npm imports only.
  plugins: [externalNpm],
  logLevel: "warning",
  metafile: true,
  // Bundled CommonJS helpers (if any) need require in an ES module.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
if (missing.size > 0) {
  process.stderr.write(
    `build-app: ${path.basename(appDir)} bundles code that imports ${[...missing].join(", ")}; ` +
      "add them to its package.json dependencies (same versions as the package that uses them)\n",
  );
  process.exit(1);
}
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`built ${path.relative(process.cwd(), outfile)} (${Math.round(bytes / 1024)} KiB)\n`);
