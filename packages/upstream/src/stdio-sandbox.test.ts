import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { isAppError } from "@portcullis/contracts/errors";
import { SANDBOX_PROBE_PATH } from "@portcullis/testkit/fixture-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamPool } from "./pool";
import { signalGroup } from "./process-group";
import type { StdioLaunchPolicy } from "./stdio-launch";
import type { CallToolResult, StdioLaunchEvent, UpstreamSpec } from "./types";

// The probe's code and its packages are the only project files the sandbox may read.
const TESTKIT_DIR = resolve(dirname(SANDBOX_PROBE_PATH), "..");
const PNPM_STORE = resolve(TESTKIT_DIR, "../../node_modules/.pnpm");

let scratch: string;
let secretFile: string;
let listener: Server;
let listenerPort: number;
const pools: UpstreamPool[] = [];

beforeAll(async () => {
  try {
    execFileSync("bwrap", ["--version"]);
  } catch {
    throw new Error("bubblewrap is not installed: apt-get install -y bubblewrap (.ci/run does it)");
  }
  scratch = mkdtempSync(join(tmpdir(), "pc-sandbox-"));
  // Stands for what a server must not see: the operator's .env, a home directory, other projects.
  secretFile = join(scratch, "outside", "secret.env");
  execFileSync("mkdir", ["-p", dirname(secretFile)]);
  writeFileSync(secretFile, "PORTCULLIS_SECRET_KEY=do-not-leak\n");
  listener = createServer((socket) => socket.end());
  await new Promise<void>((done) => listener.listen(0, "127.0.0.1", done));
  listenerPort = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await new Promise((done) => listener.close(done));
  rmSync(scratch, { recursive: true, force: true });
});

function poolFor(stdio: StdioLaunchPolicy, launches: StdioLaunchEvent[] = []): UpstreamPool {
  const pool = new UpstreamPool({ stdio, onLaunch: (event) => launches.push(event) });
  pools.push(pool);
  return pool;
}

function bubblewrap(): StdioLaunchPolicy {
  return {
    allow: [process.execPath],
    sandbox: "bubblewrap",
    workRoot: join(scratch, "work"),
    readOnlyPaths: [TESTKIT_DIR, PNPM_STORE],
  };
}

function probeSpec(id: string, extra: Partial<UpstreamSpec> = {}): UpstreamSpec {
  return {
    id,
    name: id,
    transport: "stdio",
    command: process.execPath,
    args: [SANDBOX_PROBE_PATH],
    env: { PROBE_SETTING: "configured" },
    timeoutMs: 15_000,
    ...extra,
  };
}

async function ask(pool: UpstreamPool, spec: UpstreamSpec, tool: string, args = {}): Promise<string> {
  const result: CallToolResult = await pool.callTool(spec, tool, args);
  const block = result.content[0];
  return block?.type === "text" ? block.text : "";
}

const gatewayEnviron = () => readFileSync(`/proc/${process.pid}/environ`, "utf8");

describe("stdio launch allowlist", () => {
  it("refuses a command the operator did not allow, naming it", async () => {
    const launches: StdioLaunchEvent[] = [];
    const pool = poolFor({ allow: ["npx"], sandbox: "none" }, launches);
    const error = await pool
      .listTools(probeSpec("sneaky", { command: "sh", args: ["-c", "cat /proc/$PPID/environ"] }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isAppError(error) && error.code).toBe("FORBIDDEN");
    expect((error as Error).message).toContain(
      "the stdio command 'sh -c 'cat /proc/$PPID/environ'' is not allowed",
    );
    expect(launches).toEqual([]);
  });

  it("allows an entry's leading arguments only as given", async () => {
    const pool = poolFor({ allow: [`${process.execPath} ${SANDBOX_PROBE_PATH}`], sandbox: "none" });
    expect(await ask(pool, probeSpec("pinned"), "write", { path: join(scratch, "pinned.txt") })).toBe("ok");
    const other = await pool.listTools(probeSpec("other", { args: ["-e", "1"] })).catch((e: Error) => e);
    expect(isAppError(other) && other.code).toBe("FORBIDDEN");
  });
});

describe("plain launcher (development)", () => {
  it("starts the server without isolation: it can read the parent's environ and any file", async () => {
    const launches: StdioLaunchEvent[] = [];
    const pool = poolFor({ allow: [process.execPath], sandbox: "none" }, launches);
    const spec = probeSpec("plain");
    expect(await ask(pool, spec, "read", { path: `/proc/${process.pid}/environ` })).toBe(gatewayEnviron());
    expect(await ask(pool, spec, "read", { path: secretFile })).toContain("do-not-leak");
    expect(launches).toEqual([
      {
        serverId: "plain",
        serverName: "plain",
        commandLine: `${process.execPath} ${SANDBOX_PROBE_PATH}`,
        sandbox: "none",
        network: true,
      },
    ]);
  });
});

describe("bubblewrap sandbox", () => {
  it("hides the parent's environment: its /proc entry, and every variable not configured", async () => {
    const pool = poolFor(bubblewrap());
    const spec = probeSpec("boxed");
    // A new pid namespace: neither the real parent pid nor the in-sandbox parent shows the gateway's environ.
    expect(await ask(pool, spec, "read", { path: `/proc/${process.pid}/environ` })).toMatch(/^error E/);
    expect(await ask(pool, spec, "read", { path: "/proc/$PPID/environ" })).not.toContain(gatewayEnviron());
    const env = JSON.parse(await ask(pool, spec, "env")) as Record<string, string>;
    expect(env.PROBE_SETTING).toBe("configured");
    // Only the configured variable, the SDK's minimal set and what the sandbox itself sets.
    const expected = ["PROBE_SETTING", "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TMPDIR", "PWD"];
    expect(Object.keys(env).filter((name) => !expected.includes(name))).toEqual([]);
    expect(env.HOME).toBe(join(scratch, "work", "boxed"));
    expect(env.PWD).toBe(join(scratch, "work", "boxed"));
    // No capabilities, even when the gateway runs as root: nothing to mount or mknod with.
    expect(await ask(pool, spec, "read", { path: "/proc/self/status" })).toMatch(/^CapEff:\s+0+$/m);
  });

  it("hides files outside its own directory, which it may write", async () => {
    const pool = poolFor(bubblewrap());
    const spec = probeSpec("files");
    expect(await ask(pool, spec, "read", { path: secretFile })).toBe("error ENOENT");
    expect(await ask(pool, spec, "read", { path: resolve(TESTKIT_DIR, "../../package.json") })).toBe(
      "error ENOENT",
    );
    expect(await ask(pool, spec, "write", { path: join(scratch, "work", "files", "out.txt") })).toBe("ok");
    expect(readFileSync(join(scratch, "work", "files", "out.txt"), "utf8")).toBe("probe");
    expect(await ask(pool, spec, "write", { path: join(TESTKIT_DIR, "planted.txt") })).toMatch(
      /^error E(ROFS|ACCES|PERM)/,
    );
  });

  it("stops the whole sandbox (bwrap and the server inside) when the pool closes", async () => {
    const pool = poolFor(bubblewrap());
    await ask(pool, probeSpec("stopped"), "env");
    const [pid] = pool.stats().pids;
    expect(pid).toBeGreaterThan(0);
    await pool.close();
    // Signal 0 to the group fails once no process of it is left (killed ones may take a moment to go).
    await expect.poll(() => signalGroup(pid as number, 0), { timeout: 5_000 }).toBe(false);
  });

  it("cuts the network of a server configured with network: false", async () => {
    const pool = poolFor(bubblewrap());
    const target = { host: "127.0.0.1", port: listenerPort };
    expect(await ask(pool, probeSpec("online"), "connect", target)).toBe("connected");
    expect(await ask(pool, probeSpec("offline", { network: false }), "connect", target)).toBe(
      "error ECONNREFUSED",
    );
  });
});
