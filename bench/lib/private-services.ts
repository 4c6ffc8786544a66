import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "@portcullis/testkit/ports";

/*
 * Services of the faults bench's own: a Postgres cluster and a redis-server on free ports,
 * so stopping them disturbs nobody else using the machine's shared ones.
 */

const PG_BIN = "/usr/lib/postgresql/15/bin";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Postgres refuses to run as root: as root, its commands run as the postgres user. */
function asPostgres(command: string, args: string[]): void {
  const [file, argv] =
    process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  try {
    execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${command} failed: ${stderr?.toString() ?? ""}${stdout?.toString() ?? ""}`);
  }
}

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivatePostgres(dir: string): Promise<PrivatePostgres> {
  const port = await freePort();
  const data = join(dir, "data");
  const sockets = join(dir, "sockets");
  mkdirSync(sockets, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    chownSync(dir, uid, gid);
    chownSync(sockets, uid, gid);
  }
  asPostgres(`${PG_BIN}/initdb`, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c shared_buffers=64MB`;
  const start = async () => {
    asPostgres(`${PG_BIN}/pg_ctl`, [
      "-D",
      data,
      "-o",
      options,
      "-l",
      join(dir, "postgres.log"),
      "-w",
      "start",
    ]);
  };
  const stop = async () => {
    asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/bench_faults`,
    stop,
    start,
    async close() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  /** SIGTERM: with appendonly, Redis writes everything out and comes back with it. */
  stop(): Promise<void>;
  /** SIGKILL and its files deleted: the next start is empty. */
  wipe(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

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

/** A redis-server with persistence, as production runs it (appendonly, fsync every second). */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  let child: ChildProcess | undefined;
  const exit = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", r));
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
    child = spawn("redis-server", [...args, "--appendonly", "yes", "--appendfsync", "everysec"], {
      stdio: "ignore",
    });
    process.once("exit", () => child?.kill("SIGKILL"));
    for (let i = 0; i < 200 && !(await ping(port)); i++) await sleep(25);
  };
  const halt = async (signal: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current) return;
    current.kill(signal);
    await exit(current);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => halt("SIGTERM"),
    async wipe() {
      await halt("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    },
    start,
    async close() {
      await halt("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
