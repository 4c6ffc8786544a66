import { newId } from "@portcullis/contracts/ids";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, startApiHarness } from "../../testing/harness";

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness("history");
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("history · snapshots", () => {
  it("lists every version with who changed what, newest first, paginated", async () => {
    const admin = await h.as("admin");
    const { id: teamId } = await (await h.as("owner")).teams.create({ name: "platform" });
    for (const name of ["bot-a", "bot-b", "bot-c"]) await admin.agents.create({ name, teamId });
    // Another organization's change: in the installation's history, but not whose or what.
    await (await h.as("outsider")).servers.create({ name: "elsewhere", transport: "stdio", command: "x" });

    const auditor = await h.as("auditor");
    const first = await auditor.history.snapshots({ limit: 2 });
    expect(first.items.map((s) => s.version)).toEqual([4, 3]);
    expect(first.items[0]).toMatchObject({ createdBy: null, summary: null, changeCount: 0, changes: [] });
    expect(first.items[1]).toMatchObject({
      createdBy: "admin@example.com",
      summary: "agents.create bot-c by admin@example.com",
      changeCount: 1,
      changes: [
        { action: "agent.create", targetType: "agent", actorName: "admin@example.com", name: "bot-c" },
      ],
    });
    const second = await auditor.history.snapshots({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((s) => s.version)).toEqual([2, 1]);
    expect(second.nextCursor).toBeNull();
    // The team created before the first version is carried by it.
    expect(second.items[1]!.changes.map((c) => c.action).sort()).toEqual(["agent.create", "team.create"]);
  });
});

describe("history · admin audit", () => {
  it("pages through 250 rows newest first and filters by action and target", async () => {
    const base = Date.now() - 1_000_000;
    await h.database.db.adminAuditLog.createMany({
      data: Array.from({ length: 250 }, (_, i) => ({
        id: newId("adminAudit"),
        orgId: h.orgId,
        actorType: "user",
        actorName: "admin@example.com",
        action: i % 2 === 0 ? "grant.create" : "server.update",
        targetType: i % 2 === 0 ? "grant" : "server",
        targetId: `t${i}`,
        details: { name: `row-${i}` },
        // Same-millisecond rows too: the id breaks ties.
        createdAt: new Date(base + Math.floor(i / 3) * 1000),
      })),
    });
    const auditor = await h.as("auditor");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await auditor.history.adminAudit({ action: "grant.create", ...(cursor && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(50);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(125);
    expect(new Set(seen).size).toBe(125);

    const newest = await auditor.history.adminAudit({ targetType: "server", limit: 1 });
    expect(newest.items[0]).toMatchObject({
      action: "server.update",
      targetId: "t249",
      details: { name: "row-249" },
    });
    expect(
      (await auditor.history.adminAudit({ action: "server.", limit: 200 })).items.length,
    ).toBeGreaterThanOrEqual(125);
  });

  it("shows only the organization's own rows, to config.read holders", async () => {
    await (await h.as("outsider")).teams.create({ name: "outsiders-team" });
    const rows = (await (await h.as("admin")).history.adminAudit({ limit: 200 })).items;
    expect(rows.some((r) => JSON.stringify(r.details).includes("outsiders-team"))).toBe(false);
    const error = await caught((await h.as("member")).history.adminAudit());
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      message: "not allowed: this needs the 'config.read' permission",
    });
    expect((await caught((await h.as("member")).history.snapshots())).code).toBe("FORBIDDEN");
    expect((await caught((await h.as("auditor")).history.adminAudit({ cursor: "nope" }))).code).toBe(
      "BAD_REQUEST",
    );
  });
});
