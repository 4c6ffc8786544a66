// Builds the console (`next build`) unless the last build came from the same sources.
// The e2e run and `npm run demo` both call it, so an unchanged tree starts in seconds.
// Plain Node on purpose: it runs before anything is compiled.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const consoleDir = fileURLToPath(new URL("..", import.meta.url));
const root = join(consoleDir, "../..");
/**
 * Where these builds go (relative to apps/console; `next start` needs the same value in
 * CONSOLE_DIST_DIR). Not .next: a developer's own `next build` empties that directory.
 * dist/ is ignored by git and Biome.
 */
export const CONSOLE_DIST_DIR = "dist/next";
const distPath = join(consoleDir, CONSOLE_DIST_DIR);
const HASH_FILE = join(distPath, "portcullis-source-hash");
const SKIP_DIRS = new Set(["node_modules", ".next", ".turbo", "generated", "dist"]);

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* files(join(dir, entry.name));
    } else if (!/\.test\.tsx?$/.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

/** A hash of everything a console build reads: its sources, the workspace packages, the lockfile and the schema. */
export function consoleSourceHash() {
  const hash = createHash("sha256");
  const inputs = [
    join(consoleDir, "src"),
    ...["next.config.ts", "package.json", "postcss.config.mjs", "tsconfig.json"].map((f) =>
      join(consoleDir, f),
    ),
    ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src")),
    join(root, "pnpm-lock.yaml"),
    join(root, "prisma", "schema.prisma"),
  ];
  for (const input of inputs) {
    if (!existsSync(input)) continue;
    const list = statSync(input).isDirectory() ? [...files(input)].sort() : [input];
    for (const file of list) {
      hash.update(relative(root, file));
      hash.update("\0");
      hash.update(readFileSync(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

/**
 * Runs `next build` in apps/console when the sources changed since the last build (or
 * `force`). Resolves to whether it built; rejects with the build's output tail on failure.
 */
export async function buildConsoleIfChanged({
  force = false,
  log = (m) => process.stderr.write(`${m}\n`),
} = {}) {
  const hash = consoleSourceHash();
  const built = existsSync(join(distPath, "BUILD_ID")) && existsSync(HASH_FILE);
  if (!force && built && readFileSync(HASH_FILE, "utf8").trim() === hash) {
    log("console build is up to date");
    return false;
  }
  // For iterating on browser tests while unrelated sources change: keep any existing build.
  if (!force && built && process.env.CONSOLE_REUSE_BUILD === "1") {
    log("CONSOLE_REUSE_BUILD=1: reusing the existing console build");
    return false;
  }
  log("building the console (next build)…");
  const started = Date.now();
  // Next allows one build per app at a time; another one (a developer's) may be running.
  for (let attempt = 1; ; attempt++) {
    const { ok, output } = await runNextBuild();
    if (ok) break;
    if (!output.includes("Another next build process is already running") || attempt >= 60) {
      throw new Error(`next build failed:\n${output}`);
    }
    if (attempt === 1) log("another next build of the console is running: waiting for it to finish");
    await new Promise((r) => setTimeout(r, 10_000));
  }
  writeFileSync(HASH_FILE, hash);
  log(`console built in ${Math.round((Date.now() - started) / 1000)}s`);
  return true;
}

function runNextBuild() {
  return new Promise((resolve, reject) => {
    const child = spawn(join(consoleDir, "node_modules", ".bin", "next"), ["build"], {
      cwd: consoleDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", CONSOLE_DIST_DIR },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (d) => {
      output = (output + d).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("exit", (code) => resolve({ ok: code === 0, output }));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildConsoleIfChanged({ force: process.argv.includes("--force") }).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
