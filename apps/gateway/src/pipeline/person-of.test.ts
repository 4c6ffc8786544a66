import { redisNames } from "@portcullis/contracts/redis-keys";
import { pendingApprovalKey } from "@portcullis/queues/approval-protocol";
import { describe, expect, it } from "vitest";
import { personIdOf } from "./person-of";

describe("personIdOf", () => {
  it("reads the person of an OAuth identity and nobody from an agent's key", () => {
    expect(personIdOf({ kind: "person", person: { id: "usr_alice" }, client: {}, tokenId: "t" })).toBe(
      "usr_alice",
    );
    expect(personIdOf({ agent: { id: "agt_1" }, key: { id: "key_1" } })).toBeNull();
    expect(personIdOf({ person: null })).toBeNull();
  });

  it("keeps two people's identical held calls apart, and an agent's call where it always was", () => {
    const names = redisNames("pc-test");
    const call = { agentId: "agt_client", toolId: "tool_1", argumentsHash: "h" };
    const alice = pendingApprovalKey(names, { ...call, personId: "usr_alice" });
    const bob = pendingApprovalKey(names, { ...call, personId: "usr_bob" });
    expect(alice).not.toBe(bob);
    expect(pendingApprovalKey(names, call)).toBe("pc-test:approval:index:agt_client:tool_1:h");
    expect(pendingApprovalKey(names, { ...call, personId: null })).toBe(pendingApprovalKey(names, call));
  });
});
