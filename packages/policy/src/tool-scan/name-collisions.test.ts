import { describe, expect, it } from "vitest";
import { collisionKey, findNameCollisions } from "./name-collisions";

describe("findNameCollisions", () => {
  it("flags the same tool name on two servers, both ways", () => {
    const collisions = findNameCollisions([
      { id: "t1", serverName: "gmail", upstreamName: "send_email" },
      { id: "t2", serverName: "evil-notes", upstreamName: "send_email" },
      { id: "t3", serverName: "gmail", upstreamName: "list_labels" },
    ]);
    expect(Object.fromEntries(collisions)).toEqual({ t1: ["evil-notes"], t2: ["gmail"] });
  });

  it("sees through case, separators, fullwidth letters, lookalikes and hidden characters", () => {
    const key = collisionKey("send_email");
    for (const name of [
      "Send-Email",
      "sendEmail",
      "ｓｅｎｄ_ｅｍａｉｌ",
      "s\u0435nd_email",
      "send\u200B_email",
    ]) {
      expect({ name, key: collisionKey(name) }).toEqual({ name, key });
    }
    expect(collisionKey("send_emails")).not.toBe(key);
  });

  it("never flags tools of one server against each other, and names every other server once", () => {
    const collisions = findNameCollisions([
      { id: "a1", serverName: "a", upstreamName: "echo" },
      { id: "a2", serverName: "a", upstreamName: "Echo" },
      { id: "b1", serverName: "b", upstreamName: "echo" },
      { id: "c1", serverName: "c", upstreamName: "ECHO" },
      { id: "d1", serverName: "d", upstreamName: "other" },
    ]);
    expect(Object.fromEntries(collisions)).toEqual({
      a1: ["b", "c"],
      a2: ["b", "c"],
      b1: ["a", "c"],
      c1: ["a", "b"],
    });
  });
});
