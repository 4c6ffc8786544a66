import { isAppError } from "@portcullis/contracts/errors";
import {
  type FixtureServer,
  type FixtureTool,
  startLegacyHttpServer,
  startModernHttpServer,
  startSseServer,
} from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamRpcError } from "./errors";
import { UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { UpstreamSpec } from "./types";

// The missing command is allowlisted: what is tested is how a failed start is reported.
const pool = new UpstreamPool({
  ...LOOPBACK_TEST_POLICY,
  stdio: {
    ...LOOPBACK_TEST_POLICY.stdio,
    allow: [...LOOPBACK_TEST_POLICY.stdio.allow, "/nonexistent/mcp-server"],
  },
});
afterAll(() => pool.close());

/** Rejection of `promise`, or a failure when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** A tool that waits until the client cancels it, and counts the cancellations it saw. */
function cancellableTool(seen: { cancelled: number }): FixtureTool {
  return {
    inputSchema: {},
    handler: (_args, signal) =>
      new Promise((resolve) => {
        signal?.addEventListener("abort", () => {
          seen.cancelled++;
          resolve({ content: [{ type: "text", text: "cancelled" }] });
        });
      }),
  };
}

function spec(id: string, url: string, extra: Partial<UpstreamSpec> = {}): UpstreamSpec {
  return { id, name: `${id} server`, transport: "streamable-http", url, timeoutMs: 5_000, ...extra };
}

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each([
  ["legacy", startLegacyHttpServer],
  ["modern", startModernHttpServer],
] as const)("timeouts against the %s HTTP fixture", (kind, start) => {
  const seen = { cancelled: 0 };
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await start({ tools: { hang: cancellableTool(seen) } });
  });
  afterAll(() => fixture.close());

  it("rejects with UPSTREAM_TIMEOUT after the timeout and cancels the request upstream", async () => {
    const generous = spec(`timeout-${kind}`, fixture.url, { timeoutMs: 10_000 });
    await pool.listTools(generous); // connect first, so only the call is timed
    // Same server with a shorter timeout: the timeout is per request and needs no reconnect.
    const target = { ...generous, timeoutMs: 250 };
    const started = Date.now();
    const error = await failure(pool.callTool(target, "hang", {}));
    const elapsed = Date.now() - started;

    expect(isAppError(error) && error.code).toBe("UPSTREAM_TIMEOUT");
    expect(error.message).toBe(`upstream 'timeout-${kind} server' did not answer within 250 ms`);
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(2_000);
    await eventually(() => seen.cancelled === 1);
    // A timeout is not a broken connection: the same upstream keeps answering.
    expect((await pool.callTool(target, "echo", { message: "still here" })).content).toEqual([
      { type: "text", text: "echo: still here" },
    ]);
  });

  it("honours a per-call timeout and a caller's abort signal", async () => {
    const target = spec(`abort-${kind}`, fixture.url);
    const perCall = await failure(pool.callTool(target, "slow", { ms: 2_000 }, { timeoutMs: 100 }));
    expect(perCall.message).toContain("did not answer within 100 ms");

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("agent went away")), 100);
    const aborted = await failure(pool.callTool(target, "hang", {}, { signal: controller.signal }));
    expect(aborted.message).toBe("agent went away");
  });
});

describe("unreachable upstreams", () => {
  it("reports a closed port as UPSTREAM_UNAVAILABLE within a second", async () => {
    const port = await freePort();
    for (const transport of ["streamable-http", "sse"] as const) {
      const started = Date.now();
      const error = await failure(
        pool.listTools(
          spec(`refused-${transport}`, `http://127.0.0.1:${port}/mcp`, { transport, timeoutMs: 30_000 }),
        ),
      );
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(isAppError(error) && error.code).toBe("UPSTREAM_UNAVAILABLE");
      expect(error.message).toBe(
        `upstream 'refused-${transport} server' is unreachable: connection refused (ECONNREFUSED)`,
      );
    }
  });

  it("reports an unknown host as UPSTREAM_UNAVAILABLE", async () => {
    const error = await failure(pool.listTools(spec("dns", "http://no-such-host.invalid/mcp")));
    expect(isAppError(error) && error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toMatch(
      /^upstream 'dns server' is unreachable: (host not found|DNS lookup failed)/,
    );
  });

  it("reports a stdio command that cannot start, or that dies at once", async () => {
    const missing = await failure(
      pool.listTools({
        id: "missing",
        name: "missing",
        transport: "stdio",
        command: "/nonexistent/mcp-server",
        timeoutMs: 5_000,
      }),
    );
    expect(missing.message).toBe("upstream 'missing' is unreachable: failed to start 'mcp-server' (ENOENT)");

    const dying = await failure(
      pool.listTools({
        id: "dying",
        name: "dying",
        transport: "stdio",
        command: process.execPath,
        args: ["-e", "process.exit(7)"],
        timeoutMs: 5_000,
      }),
    );
    expect(isAppError(dying) && dying.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(dying.message).toBe(
      "upstream 'dying' is unreachable: the server process exited with code 7 before completing the MCP handshake",
    );
  });

  it("does not let one failing server affect another", async () => {
    const healthy = await startModernHttpServer();
    try {
      const port = await freePort();
      const [down, up] = await Promise.allSettled([
        pool.callTool(spec("down", `http://127.0.0.1:${port}/mcp`), "echo", { message: "x" }),
        pool.callTool(spec("up", healthy.url), "echo", { message: "y" }),
      ]);
      expect(down.status).toBe("rejected");
      expect(up.status === "fulfilled" && up.value.content).toEqual([{ type: "text", text: "echo: y" }]);
    } finally {
      await healthy.close();
    }
  });
});

describe("errors answered by the upstream", () => {
  let legacy: FixtureServer;
  let modern: FixtureServer;
  beforeAll(async () => {
    [legacy, modern] = await Promise.all([startLegacyHttpServer(), startModernHttpServer()]);
  });
  afterAll(() => Promise.all([legacy.close(), modern.close()]));

  it("surfaces JSON-RPC -32602 as UpstreamRpcError with the upstream's code and message", async () => {
    const unknownTool = await failure(pool.callTool(spec("rpc-modern", modern.url), "no-such-tool", {}));
    expect(unknownTool).toBeInstanceOf(UpstreamRpcError);
    expect(unknownTool).toMatchObject({ code: -32602, serverName: "rpc-modern server" });
    expect(unknownTool.message).toContain("Tool no-such-tool not found");

    const unknownPrompt = await failure(pool.getPrompt(spec("rpc-legacy", legacy.url), "no-such-prompt"));
    expect(unknownPrompt).toBeInstanceOf(UpstreamRpcError);
    expect(unknownPrompt).toMatchObject({ code: -32602 });
    expect(unknownPrompt.message).toContain("Prompt no-such-prompt not found");
  });

  it("returns a tool's isError result as a result, not an exception", async () => {
    const result = await pool.callTool(spec("iserror", legacy.url), "fail", {});
    expect(result.isError).toBe(true);
  });
});

describe("broken connections", () => {
  it("reconnects transparently when a stateful server has forgotten the session", async () => {
    const fixture = await startLegacyHttpServer();
    try {
      const target = spec("forgetful", fixture.url);
      await pool.listTools(target);
      expect(fixture.sessionsOpened).toBe(1);

      await fixture.dropSessions();
      // The server answers 404 for the old session, so the call provably never ran:
      // safe to re-send on a new session, even a tools/call.
      expect((await pool.callTool(target, "echo", { message: "again" })).content).toEqual([
        { type: "text", text: "echo: again" },
      ]);
      expect(fixture.sessionsOpened).toBe(2);
      expect(fixture.calls).toBe(1);

      await fixture.dropSessions();
      expect((await pool.listTools(target)).length).toBeGreaterThan(0);
      expect(fixture.sessionsOpened).toBe(3);
    } finally {
      await fixture.close();
    }
  });

  it("fails in-flight calls when the pool closes, and refuses calls afterwards", async () => {
    const own = new UpstreamPool(LOOPBACK_TEST_POLICY);
    const seen = { cancelled: 0 };
    const fixture = await startModernHttpServer({ tools: { hang: cancellableTool(seen) } });
    try {
      const target = spec("closing", fixture.url);
      const pending = failure(own.callTool(target, "hang", {}));
      await eventually(() => fixture.calls === 1);
      await own.close();
      const inFlight = await pending;
      expect(isAppError(inFlight) && inFlight.code).toBe("UPSTREAM_UNAVAILABLE");

      const after = await failure(own.listTools(target));
      expect(isAppError(after) && after.code).toBe("UNAVAILABLE");
      expect(own.stats().connections).toBe(0);
    } finally {
      await own.close();
      await fixture.close();
    }
  });
});

describe("bearer credentials", () => {
  it.each([
    ["streamable-http", startLegacyHttpServer],
    ["sse", startSseServer],
  ] as const)("sends the configured headers on every %s request", async (transport, start) => {
    const fixture = await start({ requireBearer: "s3cret-token" });
    try {
      const without = await failure(
        pool.listTools(spec(`nobearer-${transport}`, fixture.url, { transport })),
      );
      expect(isAppError(without) && without.code).toBe("UPSTREAM_UNAVAILABLE");
      expect(without.message).toContain("(HTTP 401)");

      const wrong = { authorization: "Bearer wrong-token" };
      const rejected = await failure(
        pool.listTools(spec(`wrong-${transport}`, fixture.url, { transport, headers: wrong })),
      );
      expect(rejected.message).not.toContain("wrong-token");

      const headers = { authorization: "Bearer s3cret-token" };
      const target = spec(`bearer-${transport}`, fixture.url, { transport, headers });
      expect((await pool.callTool(target, "echo", { message: "authed" })).content).toEqual([
        { type: "text", text: "echo: authed" },
      ]);
      expect(fixture.calls).toBe(1);
    } finally {
      await fixture.close();
    }
  });
});
