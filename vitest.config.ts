import { defineConfig } from "vitest/config";

// One Vitest run across the workspace: each package keeps its tests next to its code,
// and real Postgres/Redis isolation (database per file, key prefix per test) makes
// files safe to run in parallel. Two cores: one fork per core, since many tests start
// servers and child processes of their own.
export default defineConfig({
  test: {
    // deploy/test checks the Dockerfiles, compose file and Kubernetes manifests.
    include: ["{apps,packages}/*/src/**/*.test.ts", "deploy/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
  },
});
