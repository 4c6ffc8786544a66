// `npm test`: install, then typecheck, lint and run every test against the real local
// Postgres and Redis (see README). Fails fast with a clear message if a service is down.
import { fail, install, log, pnpm, requireServices, root, run } from "./lib.mjs";

const databaseUrl = process.env.TEST_DATABASE_BASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

if (!process.argv.includes("--no-install")) install();
await requireServices(databaseUrl, redisUrl).catch((e) => fail(String(e)));

log("typecheck");
pnpm(["exec", "turbo", "run", "typecheck", "--output-logs=errors-only", "--concurrency=2"], {
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
log("lint");
pnpm(["exec", "biome", "check", "."]);
log("unit and integration tests (Vitest)");
pnpm(["exec", "vitest", "run"]);
log("browser tests (Playwright in Chromium)");
run(process.execPath, [`${root}scripts/test-e2e.mjs`]);
log("all tests passed");
