import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools } from "../../testing/seed";

let h: ApiHarness;
let toolIds: Record<string, string>;
let serverId: string;
let theirToolId: string;

beforeAll(async () => {
  h = await startApiHarness("tools");
  const names = Array.from({ length: 120 }, (_, i) => `tool-${String(i).padStart(3, "0")}`);
  ({ serverId, toolIds } = await seedServerWithTools(h.database.db, {
    orgId: h.orgId,
    name: "big",
    tools: [
      ...names,
      { name: "search-issues", description: "Finds GitHub issues by label.", readOnly: true },
      { name: "rug-pull", status: "quarantined" },
    ],
  }));
  await seedServerWithTools(h.database.db, { orgId: h.orgId, name: "small", tools: ["echo"] });
  const theirs = await seedServerWithTools(h.database.db, {
    orgId: h.otherOrgId,
    name: "big",
    tools: ["secret-tool"],
  });
  theirToolId = theirs.toolIds["secret-tool"]!;
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("tools · happy path", () => {
  it("pages through every tool of a server in name order, 50 at a time", async () => {
    const member = await h.as("member");
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await member.tools.list({ serverId, ...(cursor && { cursor }) });
      expect(page.total).toBe(122);
      seen.push(...page.items.map((t) => t.upstreamName));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(122);
    expect(new Set(seen).size).toBe(122);
    expect(seen).toEqual([...seen].sort());
  });

  it("searches names and descriptions, and lists without schemas", async () => {
    const member = await h.as("member");
    const found = await member.tools.list({ search: "github" });
    expect(found.items.map((t) => t.exposedName)).toEqual(["big__search-issues"]);
    expect(found.items[0]).toMatchObject({ serverName: "big", riskClass: "read", status: "active" });
    expect(found.items[0]).not.toHaveProperty("inputSchema");
    expect((await member.tools.list({ search: "ECHO" })).items.map((t) => t.exposedName)).toEqual([
      "small__echo",
    ]);
  });

  it("shows one tool with its schema and annotations", async () => {
    const tool = await (await h.as("auditor")).tools.get({ id: toolIds["search-issues"]! });
    expect(tool).toMatchObject({
      exposedName: "big__search-issues",
      annotations: { readOnlyHint: true },
      inputSchema: { type: "object", properties: { message: { type: "string" } } },
      riskClass: "read",
      derivedRisk: "read",
      riskOverride: null,
    });
  });

  it("overrides the risk class, publishes it, and clears the override again", async () => {
    const admin = await h.as("admin");
    const id = toolIds["search-issues"]!;
    expect(await admin.tools.setRisk({ id, risk: "destructive" })).toEqual({ id, changed: true });
    expect((await admin.tools.get({ id })).riskClass).toBe("destructive");
    let served = await servedSnapshot(h.redis, h.names());
    expect(served.tools.find((t) => t.id === id)?.riskClass).toBe("destructive");

    await admin.tools.setRisk({ id, risk: null });
    served = await servedSnapshot(h.redis, h.names());
    expect(served.tools.find((t) => t.id === id)?.riskClass).toBe("read");
    const actions = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
      select: { action: true, details: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["tool_risk.create", "tool_risk.delete"]);
    expect(actions[0]!.details).toMatchObject({ name: "big/search-issues" });
  });

  it("disables a tool and enables it again", async () => {
    const admin = await h.as("admin");
    const id = toolIds["tool-000"]!;
    await admin.tools.setStatus({ id, status: "disabled" });
    expect((await servedSnapshot(h.redis, h.names())).tools.find((t) => t.id === id)?.status).toBe(
      "disabled",
    );
    expect(await admin.tools.setStatus({ id, status: "active" })).toEqual({ id, changed: true });
    expect((await servedSnapshot(h.redis, h.names())).tools.find((t) => t.id === id)?.status).toBe("active");
  });
});

describe("tools · errors and security", () => {
  it("never approves a definition by enabling the tool: that takes the review page", async () => {
    const admin = await h.as("admin");
    const id = toolIds["rug-pull"]!;
    const error = await caught(admin.tools.setStatus({ id, status: "active" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(
      /^tool big__rug-pull cannot be enabled: its current definition has not been approved\. Review the definition and approve it under Tool review/,
    );
    expect(await admin.tools.get({ id })).toMatchObject({
      status: "quarantined",
      flags: ["definition_changed"],
      approvedHash: "hash-old",
    });

    // Disabling it and enabling it again is no way around the review either.
    await admin.tools.setStatus({ id, status: "disabled" });
    expect((await caught(admin.tools.setStatus({ id, status: "active" }))).code).toBe("BAD_REQUEST");
    expect(await admin.tools.get({ id })).toMatchObject({ status: "disabled", approvedHash: "hash-old" });
    const actions = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["tool.disable"]);
  });

  it("refuses a cursor it did not hand out", async () => {
    const error = await caught((await h.as("member")).tools.list({ cursor: "garbage" }));
    expect(error.code).toBe("BAD_REQUEST");
  });

  it("lets only tools.write change risk or status", async () => {
    for (const person of ["member", "auditor", "approver"] as const) {
      const error = await caught(
        (await h.as(person)).tools.setRisk({ id: toolIds["tool-001"]!, risk: "read" }),
      );
      expect(error.message).toBe("not allowed: this needs the 'tools.write' permission");
    }
  });

  it("never shows or changes another organization's tools", async () => {
    const admin = await h.as("admin");
    expect((await admin.tools.list({ search: "secret" })).items).toEqual([]);
    for (const attempt of [
      () => admin.tools.get({ id: theirToolId }),
      () => admin.tools.setRisk({ id: theirToolId, risk: "read" }),
      () => admin.tools.setStatus({ id: theirToolId, status: "disabled" }),
    ]) {
      expect((await caught(attempt())).code).toBe("NOT_FOUND");
    }
    expect(await h.database.db.tool.findUniqueOrThrow({ where: { id: theirToolId } })).toMatchObject({
      status: "active",
      riskOverride: null,
    });
  });
});
