import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools } from "../../testing/seed";

let h: ApiHarness;
let toolIds: Record<string, string>;
let theirToolId: string;

beforeAll(async () => {
  h = await startApiHarness("review");
  ({ toolIds } = await seedServerWithTools(h.database.db, {
    orgId: h.orgId,
    name: "crm",
    tools: ["lookup", { name: "rug-pull", status: "quarantined" }, { name: "second", status: "quarantined" }],
  }));
  const theirs = await seedServerWithTools(h.database.db, {
    orgId: h.otherOrgId,
    name: "crm",
    tools: [{ name: "theirs", status: "quarantined" }],
  });
  theirToolId = theirs.toolIds.theirs!;
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("review · happy path", () => {
  it("queues quarantined tools, shows the diff, and approving publishes the tool as active", async () => {
    const admin = await h.as("admin");
    const queue = await admin.review.list();
    expect(queue.items.map((t) => [t.exposedName, t.status, t.reasons[0]?.kind])).toEqual(
      expect.arrayContaining([
        ["crm__rug-pull", "quarantined", "definition_changed"],
        ["crm__second", "quarantined", "definition_changed"],
      ]),
    );
    expect(queue.items.map((t) => t.exposedName)).not.toContain("crm__lookup");

    const id = toolIds["rug-pull"]!;
    const diff = await admin.review.diff({ id });
    expect(diff.tool).toMatchObject({ exposedName: "crm__rug-pull", definitionHash: "hash-rug-pull" });
    expect(diff.current.description).toBe("The rug-pull tool.");

    expect(await admin.review.approve({ id, definitionHash: diff.tool.definitionHash })).toEqual({
      id,
      changed: true,
    });
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.tools.find((t) => t.id === id)?.status).toBe("active");
    expect((await admin.review.list()).items.map((t) => t.exposedName)).not.toContain("crm__rug-pull");
  });

  it("keeps a rejected tool disabled in the published snapshot", async () => {
    const admin = await h.as("admin");
    const id = toolIds.second!;
    expect(await admin.review.reject({ id })).toEqual({ id, changed: true });
    expect((await servedSnapshot(h.redis, h.names())).tools.find((t) => t.id === id)?.status).toBe(
      "disabled",
    );
    expect((await admin.review.list()).items.find((t) => t.id === id)?.status).toBe("disabled");
  });
});

describe("review · errors and security", () => {
  it("refuses to approve a definition other than the one reviewed", async () => {
    const error = await caught(
      (await h.as("admin")).review.approve({ id: toolIds.second!, definitionHash: "hash-old" }),
    );
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/changed since you reviewed it/);
  });

  it("lets readers see the queue but only tools.write decide", async () => {
    for (const person of ["member", "auditor", "approver"] as const) {
      const caller = await h.as(person);
      expect((await caller.review.list()).total).toBeGreaterThan(0);
      const error = await caught(
        caller.review.approve({ id: toolIds.second!, definitionHash: "hash-second" }),
      );
      expect(error.message).toBe("not allowed: this needs the 'tools.write' permission");
      expect((await caught(caller.review.reject({ id: toolIds.second! }))).code).toBe("FORBIDDEN");
    }
  });

  it("never shows or decides another organization's tools", async () => {
    const admin = await h.as("admin");
    expect((await admin.review.list()).items.map((t) => t.id)).not.toContain(theirToolId);
    for (const attempt of [
      () => admin.review.diff({ id: theirToolId }),
      () => admin.review.approve({ id: theirToolId, definitionHash: "hash-theirs" }),
      () => admin.review.reject({ id: theirToolId }),
    ]) {
      expect((await caught(attempt())).code).toBe("NOT_FOUND");
    }
    expect(await h.database.db.tool.findUniqueOrThrow({ where: { id: theirToolId } })).toMatchObject({
      status: "quarantined",
    });
  });
});
