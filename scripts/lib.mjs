// Shared helpers for the two README commands (plain Node: they run before dependencies exist).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const PNPM_VERSION = "10.34.9";

export function log(msg) {
  process.stderr.write(`\x1b[36m[portcullis]\x1b[0m ${msg}\n`);
}

export function fail(msg) {
  process.stderr.write(`\x1b[31m[portcullis] ${msg}\x1b[0m\n`);
  process.exit(1);
}

/** pnpm if installed, else through npx (corepack is not assumed to work). */
export function pnpmCommand() {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (probe.status === 0) return ["pnpm"];
  return ["npx", "--yes", `pnpm@${PNPM_VERSION}`];
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) fail(`'${[cmd, ...args].join(" ")}' failed (exit ${r.status ?? r.signal})`);
  return r;
}

export function pnpm(args, opts) {
  const [cmd, ...pre] = pnpmCommand();
  return run(cmd, [...pre, ...args], opts);
}

export function install() {
  log("installing dependencies (pnpm install --frozen-lockfile)");
  pnpm(["install", "--frozen-lockfile", "--reporter=append-only"]);
}

/** Creates .env from .env.example on first run, with a fresh secret key. */
export function ensureEnvFile() {
  const envPath = `${root}.env`;
  if (!existsSync(envPath)) {
    copyFileSync(`${root}.env.example`, envPath);
    const text = readFileSync(envPath, "utf8")
      .replace(
        /^PORTCULLIS_SECRET_KEY=.*$/m,
        `PORTCULLIS_SECRET_KEY=${randomBytes(32).toString("base64url")}`,
      )
      .replace(/^NEXTAUTH_SECRET=.*$/m, `NEXTAUTH_SECRET=${randomBytes(32).toString("base64url")}`);
    writeFileSync(envPath, text);
    log("created .env from .env.example with new secrets (PORTCULLIS_SECRET_KEY, NEXTAUTH_SECRET)");
  }
  process.loadEnvFile(envPath);
}

export function canConnect(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function requireServices(databaseUrl, redisUrl) {
  const [pg, redis] = await Promise.all([canConnect(databaseUrl, 5432), canConnect(redisUrl, 6379)]);
  const missing = [];
  if (!pg) missing.push(`Postgres at ${databaseUrl}`);
  if (!redis) missing.push(`Redis at ${redisUrl}`);
  if (missing.length) {
    fail(
      `cannot reach ${missing.join(" and ")}.\n  Start them with 'docker compose up -d' (see docker-compose.yml) or point .env at yours.`,
    );
  }
}

export function startChild(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `\x1b[90m${name.padEnd(9)}|\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream.on("data", (d) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        process.stderr.write(`${prefix + buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    });
  }
  child.on("exit", (code, signal) => log(`${name} exited (${signal ?? code})`));
  return child;
}

/**
 * Starts a child and starts it again when it exits on its own (a crash, an OOM kill), after
 * a backoff that grows while it keeps crashing. Returns a handle whose kill() stops it for
 * good, so the demo's Ctrl-C still ends everything.
 */
export function superviseChild(name, cmd, args, env = {}) {
  let stopped = false;
  let current;
  let backoffMs = 500;
  const launch = () => {
    const startedAt = Date.now();
    current = startChild(name, cmd, args, env);
    current.on("exit", () => {
      if (stopped) return;
      // A child that ran for a while gets a fresh backoff; a crash loop slows down to 10 s.
      backoffMs = Date.now() - startedAt > 30_000 ? 500 : Math.min(backoffMs * 2, 10_000);
      log(`${name} will be restarted in ${backoffMs} ms`);
      setTimeout(() => {
        if (!stopped) launch();
      }, backoffMs).unref();
    });
  };
  launch();
  return {
    kill(signal = "SIGTERM") {
      stopped = true;
      return current.kill(signal);
    },
  };
}

export async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${url} did not come up within ${timeoutMs / 1000}s`);
}
