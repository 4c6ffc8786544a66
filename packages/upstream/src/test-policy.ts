import { createOutboundGuard } from "./outbound-guard";
import type { UpstreamPoolOptions } from "./pool";

/**
 * The operator configuration tests run under: fixture servers listen on loopback and are
 * started with `node`, unsandboxed (the sandbox has its own tests). Production gets its
 * policy from the environment (PORTCULLIS_OUTBOUND_ALLOW, PORTCULLIS_STDIO_ALLOW).
 */
export const LOOPBACK_TEST_POLICY = {
  outbound: createOutboundGuard(["127.0.0.1", "::1", "localhost"]),
  stdio: { allow: ["node", "npx", process.execPath], sandbox: "none" },
} satisfies UpstreamPoolOptions;
