import { redisNames } from "@portcullis/contracts/redis-keys";
import { describe, expect, it } from "vitest";
import { compileDlpPolicies } from "../dlp/compile-dlp-policies";
import { compileScope, scopeCovers, scopedCall } from "../policy-scope";
import { fixtureAgent, fixturePolicy, fixtureServer, fixtureTool } from "../testing/snapshot-fixtures";
import { compileRateLimits } from "./compile-rate-limits";

const names = redisNames("pc-test");
const server = fixtureServer("alpha");
const echo = fixtureTool(server, "echo");
const wipe = fixtureTool(server, "wipe");
const client = fixtureAgent;

describe("rate limits per user", () => {
  const limits = compileRateLimits(
    [
      fixturePolicy(
        {
          limits: [
            { per: "user", window: "minute", max: 10 },
            { per: "user+tool", window: "day", max: 100 },
            { per: "agent", window: "minute", max: 60 },
          ],
        },
        { kind: "rate_limit", name: "people" },
      ),
    ],
    names,
  );

  it("gives each person their own counter, whichever client they call through", () => {
    const alice = limits.planFor(client, server, echo, "usr_alice")!;
    const bob = limits.planFor(client, server, echo, "usr_bob")!;
    expect(alice.limits.map((l) => l.limit.text)).toEqual([
      "10 calls per minute per person",
      "100 calls per day per person and tool",
      "60 calls per minute per agent",
    ]);
    expect(alice.keys[0]).toContain("usr_alice");
    expect(alice.keys[1]).toContain(`usr_alice:${echo.id}`);
    expect(bob.keys[0]).toContain("usr_bob");
    expect(alice.keys[0]).not.toBe(bob.keys[0]);
    // The agent limit is the same counter for both: it counts the client.
    expect(alice.keys[2]).toBe(bob.keys[2]);
    expect(limits.planFor(client, server, wipe, "usr_alice")!.keys[1]).toContain(`usr_alice:${wipe.id}`);
  });

  it("does not count a call made for no person (an API key) under a per-user limit", () => {
    const plan = limits.planFor(client, server, echo)!;
    expect(plan.limits.map((l) => l.limit.per)).toEqual(["agent"]);
  });
});

describe("policy scopes that name people", () => {
  const scoped = fixturePolicy(
    { detectors: ["email"], action: "block", direction: "arguments" },
    {
      kind: "dlp",
      name: "alice-only",
      scope: { teams: [], agents: [], servers: [], tools: [], users: ["usr_alice"] },
    },
  );

  it("covers only calls made for a listed person", () => {
    const scope = compileScope(scoped);
    expect(scopeCovers(scope, scopedCall(client, server, echo, "usr_alice"))).toBe(true);
    expect(scopeCovers(scope, scopedCall(client, server, echo, "usr_bob"))).toBe(false);
    expect(scopeCovers(scope, scopedCall(client, server, echo))).toBe(false);
    // A scope without users covers every caller, as before.
    const open = compileScope(
      fixturePolicy({}, { scope: { teams: [], agents: [], servers: [], tools: [] } }),
    );
    expect(scopeCovers(open, scopedCall(client, server, echo, "usr_bob"))).toBe(true);
  });

  it("scans a listed person's calls and not another's (DLP rules are cached per person)", () => {
    const dlp = compileDlpPolicies([scoped]);
    expect(dlp.forCall(scopedCall(client, server, echo, "usr_alice")).arguments).not.toBeNull();
    expect(dlp.forCall(scopedCall(client, server, echo, "usr_bob")).arguments).toBeNull();
    expect(dlp.forCall(scopedCall(client, server, echo)).arguments).toBeNull();
  });

  it("limits a person's calls only where a rate-limit policy's scope names them", () => {
    const limits = compileRateLimits(
      [
        fixturePolicy(
          { limits: [{ per: "agent", window: "minute", max: 5 }] },
          {
            kind: "rate_limit",
            scope: { teams: [], agents: [], servers: [], tools: [], users: ["usr_alice"] },
          },
        ),
      ],
      names,
    );
    expect(limits.planFor(client, server, echo, "usr_alice")).not.toBeNull();
    expect(limits.planFor(client, server, echo, "usr_bob")).toBeNull();
  });
});
