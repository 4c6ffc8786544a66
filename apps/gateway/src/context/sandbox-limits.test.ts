import { describe, expect, it } from "vitest";
import { loadEnv, sandboxLimitsOf } from "../env";
import { runInSandbox, type SandboxHost } from "./sandbox";
import { DEFAULT_SANDBOX_LIMITS } from "./sandbox-limits";

// The operator sets code mode's bounds with GATEWAY_SANDBOX_* (issue 13); unset, the defaults.
const base = { PORTCULLIS_SECRET_KEY: "x".repeat(32) };
const echoHost: SandboxHost = {
  tools: [{ identifier: "echo", name: "alpha__echo" }],
  callTool: async (_name, args) => args,
};

describe("sandbox limits from the environment", () => {
  it("defaults to the built-in bounds", () => {
    expect(sandboxLimitsOf(loadEnv(base))).toEqual(DEFAULT_SANDBOX_LIMITS);
  });

  it("runs with the operator's lowered bounds, each hit with its own error", async () => {
    const limits = sandboxLimitsOf(
      loadEnv({
        ...base,
        GATEWAY_SANDBOX_CPU_MS: "50",
        GATEWAY_SANDBOX_MEMORY_MB: "4",
        GATEWAY_SANDBOX_OUTPUT_BYTES: "100",
        GATEWAY_SANDBOX_TOOL_CALLS: "2",
        GATEWAY_SANDBOX_CONCURRENT_RUNS: "3",
      }),
    );
    expect(limits).toMatchObject({
      cpuMs: 50,
      memoryBytes: 4 * 1024 * 1024,
      outputBytes: 100,
      toolCalls: 2,
      concurrentRuns: 3,
    });
    const cases: Array<[string, string]> = [
      ["while (true) {}", "execute stopped: CPU time limit of 50 ms exceeded"],
      // About 28 MiB: within the default bound, past the lowered one.
      [
        "const a = []; for (let i = 0; i < 224; i++) a.push(new Array(16384).fill(i)); return a.length;",
        "execute stopped: memory limit of 4 MiB exceeded",
      ],
      ["return 'y'.repeat(200);", "execute stopped: output limit of 100 bytes exceeded"],
      [
        "for (let i = 0; i < 3; i++) await tools.echo({ i }); return 'done';",
        "execute stopped: limit of 2 tool calls reached",
      ],
    ];
    for (const [code, message] of cases) {
      const outcome = await runInSandbox(code, echoHost, limits);
      expect(outcome, code).toMatchObject({ ok: false, message });
      // The same code within the default bounds runs (so the lowered bound is what stopped it).
      if (!code.startsWith("while")) {
        expect(await runInSandbox(code, echoHost, DEFAULT_SANDBOX_LIMITS), code).toMatchObject({ ok: true });
      }
    }
  });
});
