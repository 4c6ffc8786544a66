import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// The fixed headers for static files; pages get them (and the nonce CSP) from src/proxy.ts,
// whose list in src/lib/security-headers.ts must say the same. Inlined because `next start`
// loads this file without resolving TypeScript imports.
const STATIC_SECURITY_HEADERS = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

const config: NextConfig = {
  // `npm test` and `npm run demo` build into their own directory (see scripts/build-if-changed.mjs),
  // so a developer's `next build` / `next dev` in .next never pulls the build from under them.
  distDir: process.env.CONSOLE_DIST_DIR || ".next",
  // Workspace packages export TypeScript source; Next compiles them like app code.
  transpilePackages: [
    "@portcullis/api",
    "@portcullis/auth",
    "@portcullis/contracts",
    "@portcullis/control",
    "@portcullis/db",
    "@portcullis/oauth",
    "@portcullis/policy",
    "@portcullis/queues",
    "@portcullis/telemetry",
    "@portcullis/upstream",
  ],
  // Node-only libraries with native or runtime-loaded parts: required at run time, not bundled.
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "ioredis",
    "bullmq",
    "pino",
    // One copy of the OpenTelemetry API for the SDK the instrumentation registers and the
    // tRPC spans that use it.
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/core",
    "@opentelemetry/context-async-hooks",
    "undici",
    // Koa-based, loads its own parts at run time.
    "oidc-provider",
    "openid-client",
  ],
  // The monorepo root, so tracing and Turbopack see the workspace packages.
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  poweredByHeader: false,
  // Pages and API routes get these (and their CSP) from src/proxy.ts; the proxy does not
  // run for static files, so they get the fixed ones here.
  async headers() {
    return ["/_next/static/:path*", "/_next/image", "/favicon.ico"].map((source) => ({
      source,
      headers: [...STATIC_SECURITY_HEADERS],
    }));
  },
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: true },
};

export default config;
