import { isAppError } from "@portcullis/contracts/errors";
import { STDIO_FIXTURE_PATH, STDIO_WRAPPER_PATH } from "@portcullis/testkit/fixture-servers";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { CallToolResult, UpstreamSpec } from "./types";

function stdioSpec(id: string, extra: Partial<UpstreamSpec> = {}): UpstreamSpec {
  return {
    id,
    name: id,
    transport: "stdio",
    command: process.execPath,
    args: [STDIO_FIXTURE_PATH, "--diagnostics"],
    timeoutMs: 10_000,
    ...extra,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The server's own pid, as reported by its `pid` tool. */
async function serverPid(pool: UpstreamPool, spec: UpstreamSpec): Promise<number> {
  const result: CallToolResult = await pool.callTool(spec, "pid", {});
  const block = result.content[0];
  return Number(block?.type === "text" ? block.text : Number.NaN);
}

// Every pid any test saw; whatever happens, none may outlive the file.
const seenPids = new Set<number>();
const pools: UpstreamPool[] = [];
function newPool(options: ConstructorParameters<typeof UpstreamPool>[0] = {}): UpstreamPool {
  const pool = new UpstreamPool({ ...LOOPBACK_TEST_POLICY, ...options });
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await eventually(() => [...seenPids].every((pid) => !alive(pid)));
});

describe("stdio servers owned by the pool", () => {
  it("starts the process on demand and reuses it", async () => {
    const pool = newPool();
    const spec = stdioSpec("reuse");
    expect(pool.stats()).toEqual({ connections: 0, stdioProcesses: 0, pids: [] });

    const first = await serverPid(pool, spec);
    seenPids.add(first);
    expect(pool.stats()).toEqual({ connections: 1, stdioProcesses: 1, pids: [first] });
    expect(await serverPid(pool, spec)).toBe(first);
    await pool.listTools(spec);
    expect(pool.stats().pids).toEqual([first]);
  });

  it("restarts the server on the next call after it crashes", async () => {
    const pool = newPool();
    const spec = stdioSpec("crash");
    const before = await serverPid(pool, spec);
    seenPids.add(before);

    const error = await pool.callTool(spec, "crash", {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect((error as Error).message).toBe("upstream 'crash' is unreachable: the connection closed");
    await eventually(() => !alive(before));
    expect(pool.stats().stdioProcesses).toBe(0);

    const after = await serverPid(pool, spec);
    seenPids.add(after);
    expect(after).not.toBe(before);
    expect(pool.stats().pids).toEqual([after]);
  });

  it("stops an idle server and starts it again when needed", async () => {
    const pool = newPool({ idleTimeoutMs: 200 });
    const spec = stdioSpec("idle");
    const pid = await serverPid(pool, spec);
    seenPids.add(pid);
    await eventually(() => !alive(pid), 3_000);
    expect(pool.stats()).toEqual({ connections: 0, stdioProcesses: 0, pids: [] });

    const next = await serverPid(pool, spec);
    seenPids.add(next);
    expect(next).not.toBe(pid);
  });

  it("kills the whole process group on close, even behind an npx-style wrapper", async () => {
    const pool = newPool();
    const direct = stdioSpec("direct");
    const wrapped = stdioSpec("wrapped", { args: [STDIO_WRAPPER_PATH, "--diagnostics", "--linger"] });

    const directPid = await serverPid(pool, direct);
    const grandchild = await serverPid(pool, wrapped);
    const pids = pool.stats().pids;
    const wrapperPid = pids.find((pid) => pid !== directPid) as number;
    for (const pid of [directPid, grandchild, wrapperPid]) seenPids.add(pid);
    expect(pids).toHaveLength(2);
    expect(wrapperPid).not.toBe(grandchild); // the server really runs one level down

    await pool.close();
    await pool.close(); // idempotent
    for (const pid of [directPid, wrapperPid, grandchild]) expect(alive(pid)).toBe(false);
    expect(pool.stats()).toEqual({ connections: 0, stdioProcesses: 0, pids: [] });
  });

  it("passes the spec's env over a minimal env, not the gateway's own", async () => {
    const pool = newPool();
    process.env.PORTCULLIS_TEST_GATEWAY_SECRET = "must-not-leak";
    try {
      const spec = stdioSpec("env", { env: { UPSTREAM_TOKEN: "for-the-server" } });
      const read = async (name: string) => (await pool.callTool(spec, "env", { name })).content;
      expect(await read("UPSTREAM_TOKEN")).toEqual([{ type: "text", text: "for-the-server" }]);
      expect(await read("PORTCULLIS_TEST_GATEWAY_SECRET")).toEqual([{ type: "text", text: "<unset>" }]);
      expect(await read("PATH")).not.toEqual([{ type: "text", text: "<unset>" }]);
      for (const pid of pool.stats().pids) seenPids.add(pid);
    } finally {
      delete process.env.PORTCULLIS_TEST_GATEWAY_SECRET;
    }
  });

  it("retain() closes removed servers and servers whose spec changed", async () => {
    const pool = newPool();
    const kept = stdioSpec("kept");
    const removed = stdioSpec("removed");
    const changed = stdioSpec("changed", { env: { VERSION: "1" } });
    const [keptPid, removedPid, changedPid] = await Promise.all(
      [kept, removed, changed].map((s) => serverPid(pool, s)),
    );
    for (const pid of [keptPid, removedPid, changedPid]) seenPids.add(pid as number);

    const changedAgain = { ...changed, env: { VERSION: "2" } };
    // Renaming or re-timing a server does not need a new connection.
    await pool.retain([{ ...kept, name: "kept (renamed)", timeoutMs: 5_000 }, changedAgain]);
    expect(alive(removedPid as number)).toBe(false);
    expect(alive(changedPid as number)).toBe(false);
    expect(pool.stats().pids).toEqual([keptPid]);
    expect(await serverPid(pool, kept)).toBe(keptPid);

    const restarted = await serverPid(pool, changedAgain);
    seenPids.add(restarted);
    expect(restarted).not.toBe(changedPid);
  });

  it("falls back to the 2025 handshake for a server that exits on the discover probe", async () => {
    const pool = newPool();
    const spec = stdioSpec("strict", { args: [STDIO_FIXTURE_PATH, "--diagnostics", "--exit-on-probe"] });
    const { protocolVersion } = await pool.ping(spec);
    expect(protocolVersion).toBe("2025-11-25");
    const pid = await serverPid(pool, spec);
    seenPids.add(pid);

    // After a crash the pool remembers: the restart goes straight to initialize.
    await pool.callTool(spec, "crash", {}).catch(() => {});
    await eventually(() => !alive(pid));
    expect(await pool.callTool(spec, "echo", { message: "back" })).toMatchObject({
      content: [{ type: "text", text: "echo: back" }],
    });
    for (const p of pool.stats().pids) seenPids.add(p);
  });

  it("starts one process for a burst of concurrent first calls", async () => {
    const pool = newPool();
    const spec = stdioSpec("burst");
    const pids = await Promise.all(Array.from({ length: 20 }, () => serverPid(pool, spec)));
    for (const pid of pids) seenPids.add(pid);
    expect(new Set(pids).size).toBe(1);
    expect(pool.stats().stdioProcesses).toBe(1);
  });
});
