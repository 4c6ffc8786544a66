import { z } from "zod";
import { createOutboundGuard, type OutboundGuard } from "./outbound-guard";
import type { StdioLaunchPolicy } from "./stdio-launch";

/**
 * The operator's outbound settings, read from the environment of each process that
 * connects out (gateway, worker, console, CLI). They exist only there: neither the console
 * nor an apply file can change which programs run or which networks are reachable.
 */
const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const operatorPolicyEnv = z.object({
  /** Hosts, addresses or CIDR ranges the SSRF guard lets through (e.g. 127.0.0.1,10.1.0.0/16,mcp.internal). */
  PORTCULLIS_OUTBOUND_ALLOW: list,
  /** Allowed stdio command lines, comma-separated (e.g. `node,npx -y @modelcontextprotocol/server-memory`). */
  PORTCULLIS_STDIO_ALLOW: list,
  /** How stdio servers are isolated: `bubblewrap` (Linux, `apt-get install bubblewrap`) or `none` (development). */
  PORTCULLIS_STDIO_SANDBOX: z.enum(["none", "bubblewrap"]).default("none"),
  /** bubblewrap: parent of each server's private writable directory. */
  PORTCULLIS_STDIO_WORKDIR: z.string().min(1).default(".portcullis/stdio"),
  /** bubblewrap: more paths servers may read, comma-separated (where their code is installed). */
  PORTCULLIS_STDIO_READONLY: list,
});
export type OperatorPolicyEnv = z.infer<typeof operatorPolicyEnv>;

export interface OperatorPolicy {
  outbound: OutboundGuard;
  stdio: StdioLaunchPolicy;
}

/** @throws Error naming a malformed PORTCULLIS_OUTBOUND_ALLOW entry. */
export function operatorPolicyFrom(env: OperatorPolicyEnv): OperatorPolicy {
  return {
    outbound: createOutboundGuard(env.PORTCULLIS_OUTBOUND_ALLOW),
    stdio: {
      allow: env.PORTCULLIS_STDIO_ALLOW,
      sandbox: env.PORTCULLIS_STDIO_SANDBOX,
      workRoot: env.PORTCULLIS_STDIO_WORKDIR,
      readOnlyPaths: env.PORTCULLIS_STDIO_READONLY,
    },
  };
}
