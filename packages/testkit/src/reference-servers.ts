import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./ports";

/**
 * The MCP reference servers from npm, run from the installed packages (never npx, which
 * would reach for the network and leave wrapper processes behind).
 */

const require = createRequire(import.meta.url);

/** Absolute path of an installed package's bin script. */
function binOf(pkg: string): string {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin)[0];
  if (!bin) throw new Error(`${pkg} declares no bin`);
  return join(dirname(manifestPath), bin);
}

export interface ReferenceServer {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts `@modelcontextprotocol/server-everything` in Streamable HTTP mode on a free port
 * and resolves once it accepts connections, with the URL of its MCP endpoint.
 */
export async function startEverythingServer(): Promise<ReferenceServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [binOf("@modelcontextprotocol/server-everything"), "streamableHttp"],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  // If the test process dies without closing us, do not outlive it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    await stopChild(child);
    process.off("exit", killOnExit);
  };
  try {
    await waitForPort(port, child, () => stderr);
    const path = await findEndpoint(`http://127.0.0.1:${port}`, ["/mcp", "/", "/stream"]);
    return { url: `http://127.0.0.1:${port}${path}`, pid: child.pid as number, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A stdio spec for `@modelcontextprotocol/server-memory`: node running the installed bin,
 * with its knowledge-graph file in a fresh temp directory, removed when the test process
 * exits (by default it writes next to its own code, inside node_modules).
 */
export function memoryServerSpec(): { command: string; args: string[]; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-memory-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return {
    command: process.execPath,
    args: [binOf("@modelcontextprotocol/server-memory")],
    env: { MEMORY_FILE_PATH: join(dir, "memory.jsonl") },
  };
}

function waitForPort(
  port: number,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`server-everything exited before listening: ${stderr()}`));
        return;
      }
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`server-everything did not listen on ${port}: ${stderr()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** The first candidate path the server routes (anything but 404: a bare GET gets 400/405 there). */
async function findEndpoint(origin: string, candidates: string[]): Promise<string> {
  for (const path of candidates) {
    const response = await fetch(`${origin}${path}`, { headers: { accept: "text/event-stream" } });
    await response.body?.cancel();
    if (response.status !== 404) return path;
  }
  throw new Error(`no MCP endpoint found at ${origin} (tried ${candidates.join(", ")})`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
