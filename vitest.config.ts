import { defineConfig } from "vitest/config";

// One Vitest run across the workspace: each package keeps its tests next to its code,
// and real Postgres/Redis isolation (database per file, key prefix per test) makes
// files safe to run in parallel. Two cores: keep the fork count small.
export default defineConfig({
  test: {
    include: ["{apps,packages}/*/src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 3,
    fileParallelism: true,
  },
});
