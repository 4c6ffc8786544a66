import type { ConnectionTestResult } from "@portcullis/contracts/jobs";
import { UpstreamPool, type UpstreamPoolOptions } from "@portcullis/upstream/pool";
import type { UpstreamSpec } from "@portcullis/upstream/types";

/**
 * Connects to a server, pings it and lists its tools. An unreachable server is a result
 * (`ok: false` with the reason), not an error: telling the admin why is the point.
 *
 * A pool of its own per test, closed afterwards: a stdio command is started and stopped,
 * and no connection of a half-typed configuration lingers.
 */
export async function probeConnection(
  spec: UpstreamSpec,
  policy: Pick<UpstreamPoolOptions, "outbound" | "stdio" | "onLaunch" | "logger">,
  clientName: string,
): Promise<ConnectionTestResult> {
  const pool = new UpstreamPool({ clientInfo: { name: clientName, version: "0.0.0" }, ...policy });
  try {
    const ping = await pool.ping(spec);
    const tools = await pool.listTools(spec);
    return {
      ok: true,
      latencyMs: ping.latencyMs,
      protocolVersion: ping.protocolVersion ?? null,
      toolCount: tools.length,
      toolNames: tools.slice(0, 10).map((t) => t.name),
    };
  } catch (error) {
    return {
      ok: false,
      latencyMs: null,
      protocolVersion: null,
      toolCount: null,
      toolNames: [],
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await pool.close();
  }
}
