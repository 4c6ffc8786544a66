// The browser tests of `npm test`, called by scripts/test.mjs after the unit tests:
//
//   node scripts/test-e2e.mjs [playwright args…]
//
// Makes sure Debian's Chromium is installed (Playwright cannot download browsers here),
// builds the console if its sources changed, and runs Playwright (e2e/). Exits non-zero
// when a test fails. Screenshots, logs and the HTML report land in e2e/artifacts/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsoleIfChanged } from "../apps/console/scripts/build-if-changed.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.E2E_CHROMIUM_PATH ?? "/usr/bin/chromium";
const log = (m) => process.stderr.write(`\x1b[36m[portcullis]\x1b[0m ${m}\n`);
const fail = (m) => {
  process.stderr.write(`\x1b[31m[portcullis] ${m}\x1b[0m\n`);
  process.exit(1);
};

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  log(`${CHROMIUM} is missing: installing Debian's chromium (apt-get install -y chromium)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
    stdio: "inherit",
    env,
  });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
      stdio: "inherit",
      env,
    });
  }
  if (r.status !== 0 || !existsSync(CHROMIUM)) {
    fail(`could not install Chromium; install it (apt-get install chromium) or set E2E_CHROMIUM_PATH`);
  }
}

ensureChromium();
try {
  await buildConsoleIfChanged({ log });
} catch (error) {
  fail(error.message);
}
log("browser tests (Playwright, Chromium)");
const started = Date.now();
const result = spawnSync(
  join(root, "e2e", "node_modules", ".bin", "playwright"),
  ["test", "-c", join(root, "playwright.config.ts"), ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);
log(`browser tests finished in ${Math.round((Date.now() - started) / 1000)}s`);
process.exit(result.status ?? 1);
