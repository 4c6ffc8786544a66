import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface GatewayProcess {
  /** The MCP endpoint URL the process logged when it started listening. */
  url: string;
  /** Everything the process wrote to stdout and stderr so far (JSON log lines). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `killAfterMs` (default 5 s). */
  stop(killAfterMs?: number): Promise<number | null>;
}

/**
 * Runs a gateway as its own OS process (`node <args>`) and resolves when it logs
 * "gateway listening". Only PATH and HOME are inherited: the test names every setting.
 */
export async function spawnGatewayProcess(
  nodeArgs: string[],
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GATEWAY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let output = "";
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
    let pending: string | null = "";
    child.stdout?.on("data", (d) => {
      output += String(d);
      if (pending === null) return;
      pending += String(d);
      const line = pending
        .split("\n")
        .slice(0, -1)
        .find((l) => l.includes('"gateway listening"'));
      if (!line) return;
      pending = null;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    output: () => output,
    async stop(killAfterMs = 5_000) {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
