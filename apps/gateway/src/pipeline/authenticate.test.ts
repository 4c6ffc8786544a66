import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import { SnapshotBuilder } from "../testing/snapshot-builder";
import { authenticate } from "./authenticate";

const secretKey = randomBytes(32);

// authenticate remembers what a snapshot resolved a header to: these cases must still be refused.
describe("authenticate, asked again with the same header", () => {
  it("refuses a key once its expiry passes, though the same snapshot accepted it before", () => {
    const builder = new SnapshotBuilder(secretKey);
    const agent = builder.agent("bot", "core");
    const expiresAt = new Date(Date.now() + 60_000);
    const { key } = builder.key(agent, expiresAt);
    const snapshot = new CompiledSnapshot(builder.build(1), secretKey);
    const header = `Bearer ${key}`;
    const before = expiresAt.getTime() - 1;
    expect(authenticate(header, snapshot, before)).toMatchObject({ kind: "agent", agent: { id: agent.id } });
    expect(authenticate(header, snapshot, before).kind).toBe("agent");
    expect(() => authenticate(header, snapshot, expiresAt.getTime())).toThrow(/expired at/);
  });

  it("refuses a key the next snapshot revoked, and an agent it disabled", () => {
    const builder = new SnapshotBuilder(secretKey);
    const agent = builder.agent("bot", "core");
    const { key, id } = builder.key(agent);
    const header = `Bearer ${key}`;
    const first = new CompiledSnapshot(builder.build(1), secretKey);
    expect(authenticate(header, first).kind).toBe("agent");
    builder.revokeKey(id);
    const second = new CompiledSnapshot(builder.build(2), secretKey);
    expect(() => authenticate(header, second)).toThrow(/unknown or revoked/);

    const other = new SnapshotBuilder(secretKey);
    const disabled = other.agent("off", "core", "disabled");
    const { key: disabledKey } = other.key(disabled);
    const snapshot = new CompiledSnapshot(other.build(1), secretKey);
    expect(() => authenticate(`Bearer ${disabledKey}`, snapshot)).toThrow(/is disabled/);
    expect(() => authenticate(`Bearer ${disabledKey}`, snapshot)).toThrow(/is disabled/);
  });
});
