import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchAudit } from "./search-audit";

let database: TestDatabase;
const base = Date.parse("2026-03-01T12:00:00.000Z");
const ids: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_search" });
  // 9 events one minute apart, newest last; events 3 and 4 share a timestamp so the id breaks the tie.
  const rows = Array.from({ length: 9 }, (_, i) => {
    const id = `evt_${String(i).padStart(2, "0")}`;
    ids.push(id);
    return {
      id,
      occurredAt: new Date(base + (i === 4 ? 3 : i) * 60_000),
      requestId: newId("request"),
      method: "tools/call",
      agentId: i % 2 === 0 ? "agt_a" : "agt_b",
      agentName: i % 2 === 0 ? "ci-bot" : "deploy-bot",
      toolName: i < 6 ? "everything__echo" : "everything__add",
      decision: i % 3 === 0 ? "denied" : "allowed",
      latencyMs: i,
    };
  });
  await database.db.auditEvent.createMany({ data: rows });
});

afterAll(async () => {
  await database?.drop();
});

describe("searchAudit", () => {
  it("returns newest first and pages with a cursor without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchAudit(database.db, { limit: 4, ...(cursor && { cursor }) });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      "evt_08",
      "evt_07",
      "evt_06",
      "evt_05",
      "evt_04",
      "evt_03",
      "evt_02",
      "evt_01",
      "evt_00",
    ]);
  });

  it("filters by agent, tool, decision and time", async () => {
    const found = async (search: Parameters<typeof searchAudit>[1]) =>
      (await searchAudit(database.db, search)).rows.map((r) => r.id);
    expect(await found({ agent: "deploy-bot" })).toEqual(["evt_07", "evt_05", "evt_03", "evt_01"]);
    expect(await found({ agent: "agt_a", tool: "everything__add" })).toEqual(["evt_08", "evt_06"]);
    expect(await found({ decision: "denied" })).toEqual(["evt_06", "evt_03", "evt_00"]);
    expect(await found({ since: new Date(base + 6 * 60_000) })).toEqual(["evt_08", "evt_07", "evt_06"]);
  });

  it("rejects a forged cursor and an out-of-range limit", async () => {
    await expect(searchAudit(database.db, { cursor: "not-a-cursor" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(searchAudit(database.db, { limit: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
