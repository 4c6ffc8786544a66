import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages export TypeScript source; Next compiles them like app code.
  transpilePackages: [
    "@portcullis/api",
    "@portcullis/auth",
    "@portcullis/contracts",
    "@portcullis/control",
    "@portcullis/db",
    "@portcullis/policy",
    "@portcullis/queues",
    "@portcullis/upstream",
  ],
  // Node-only libraries with native or runtime-loaded parts: required at run time, not bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "ioredis", "bullmq", "pino"],
  // The monorepo root, so tracing and Turbopack see the workspace packages.
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: true },
};

export default config;
