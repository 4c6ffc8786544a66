import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./ports";

export interface PrivateRedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL); the port stays reserved for `start()`. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops the server for good. Safe to call twice. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;

/** Children still running, killed if the test process exits without closing them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** Sends an inline PING over a raw socket: no client library, no reconnect logic to fight. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function spawnServer(port: number): Promise<ChildProcess> {
  // No persistence: tests want a Redis that forgets everything when it goes away.
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: "ignore" },
  );
  running.add(child);
  child.once("exit", () => running.delete(child));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with ${child.exitCode} on port ${port}`);
    if (await ping(port)) return child;
    await sleep(25);
  }
  child.kill("SIGKILL");
  await waitForExit(child);
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  const exited = waitForExit(child);
  const killer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(killer);
}

/**
 * Starts a private `redis-server` child process on a free port, for tests that need Redis
 * to disappear and come back (never stop the shared one). Always `close()` it in afterAll.
 */
export async function startRedisServer(): Promise<PrivateRedisServer> {
  installExitHook();
  let child: ChildProcess | undefined;
  let port = 0;
  // Another process may grab the free port before redis-server binds it: try a few.
  for (let attempt = 0; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnServer(port);
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
  let closed = false;
  const server: PrivateRedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const current = child;
      child = undefined;
      if (current) await stopChild(current);
    },
    async start() {
      if (closed) throw new Error("redis-server was closed");
      if (!child) child = await spawnServer(port);
    },
    async close() {
      closed = true;
      await server.stop();
    },
  };
  return server;
}
