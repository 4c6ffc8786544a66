import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

/** Starts a TypeScript entry point in its own process (its own core, as in production). */
export function startProcess(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(tsx, [`${root}${entry}`], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.on("exit", (code) => {
    if (code && code !== 0 && code !== 143) process.stderr.write(`${name} exited ${code}: ${stderr}\n`);
  });
  return child;
}

export async function waitForHttp(url: string, timeoutMs = 30_000, method = "GET"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { method });
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

/**
 * Starts a TypeScript entry point as `node [nodeArgs] --import tsx <entry>` (the loader in
 * the process itself, no tsx CLI wrapper in between: its pid is the service's own, so /proc
 * CPU readings are the service's).
 */
export function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  return spawnService(name, [...nodeArgs, "--import", "tsx", `${root}${entry}`], env);
}

/**
 * Builds the gateway, the worker and the CLI as production runs them (`pnpm build`: one
 * bundled ES module each) once per bench process; `startBuilt` then starts them.
 */
let built = false;
export function buildApps(): void {
  if (built) return;
  const result = spawnSync("pnpm", ["--silent", "build"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error(`pnpm build failed (exit ${result.status})`);
  built = true;
}

/** Starts an app's compiled entry (`apps/<app>/dist/main.js`) as the Dockerfile does. */
export function startBuilt(
  app: "gateway" | "worker",
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  buildApps();
  return spawnService(app, [...nodeArgs, "--enable-source-maps", `${root}apps/${app}/dist/main.js`], env);
}

function spawnService(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.on("exit", (code) => {
    if (code && code !== 0 && code !== 143) process.stderr.write(`${name} exited ${code}: ${stderr}\n`);
  });
  return child;
}
