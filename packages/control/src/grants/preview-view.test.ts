import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewAgentTools } from "./preview-agent-tools";
import { previewPersonTools } from "./preview-person-tools";
import { previewView } from "./preview-view";

let database: TestDatabase;
const orgId = "org_a";
const names = async () =>
  (await previewAgentTools(database.db, { orgId, agentId: "agt_1" })).tools.map((t) => t.exposedName);

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_preview_view" });
  const { db } = database;
  await db.organization.create({ data: { id: orgId, name: "A", slug: "a" } });
  await db.organization.create({ data: { id: "org_b", name: "B", slug: "b" } });
  await db.team.create({ data: { id: "team_1", orgId, name: "platform" } });
  await db.agent.create({ data: { id: "agt_1", orgId, teamId: "team_1", name: "bot" } });
  await db.server.create({ data: { id: "srv_1", orgId, name: "gh", transport: "stdio", command: "true" } });
  for (const name of ["list", "read"]) await db.tool.create({ data: tool(name) });
  await db.grant.create({
    data: { id: "grant_1", orgId, teamId: "team_1", serverId: "srv_1", toolPattern: "*", effect: "allow" },
  });
  await db.user.create({ data: { id: "usr_ada", email: "ada@example.com" } });
  await db.membership.create({ data: { id: "mem_1", orgId, userId: "usr_ada" } });
  await db.teamMember.create({ data: { id: "tm_1", teamId: "team_1", userId: "usr_ada" } });
});
afterAll(async () => database?.drop());

function tool(name: string) {
  return {
    id: `tool_${name}`,
    orgId,
    serverId: "srv_1",
    upstreamName: name,
    exposedName: `gh__${name}`,
    inputSchema: { type: "object" },
    riskClass: "read" as const,
    definitionHash: `hash-${name}`,
    approvedHash: `hash-${name}`,
  };
}

describe("previews of a compiled organization reused while its rows are unchanged", () => {
  it("compiles once for many previews, and again after any change", async () => {
    const first = await previewView(database.db, orgId);
    expect(await previewView(database.db, orgId)).toBe(first);
    expect(await names()).toEqual(["gh__list", "gh__read"]);
    // Another organization's rows do not make this one's view stale.
    await database.db.team.create({ data: { id: "team_b", orgId: "org_b", name: "other" } });
    expect(await previewView(database.db, orgId)).toBe(first);
    await database.db.team.update({ where: { id: "team_1" }, data: { name: "platform-2" } });
    expect(await previewView(database.db, orgId)).not.toBe(first);
    expect((await previewAgentTools(database.db, { orgId, agentId: "agt_1" })).agent.teamName).toBe(
      "platform-2",
    );
  });

  it("sees an update written by raw SQL that leaves updated_at alone", async () => {
    await names();
    await database.db.$executeRawUnsafe(`UPDATE grants SET effect = 'deny' WHERE id = 'grant_1'`);
    expect(await names()).toEqual([]);
    expect((await previewPersonTools(database.db, { orgId, userId: "usr_ada" })).tools).toEqual([]);
    await database.db.$executeRawUnsafe(`UPDATE grants SET effect = 'allow' WHERE id = 'grant_1'`);
    expect(await names()).toEqual(["gh__list", "gh__read"]);
  });

  it("sees a row deleted and another added in one transaction (same count)", async () => {
    await names();
    await database.db.$transaction([
      database.db.tool.delete({ where: { id: "tool_read" } }),
      database.db.tool.create({ data: tool("write") }),
    ]);
    expect(await names()).toEqual(["gh__list", "gh__write"]);
    expect(
      (await previewPersonTools(database.db, { orgId, userId: "usr_ada" })).tools.map((t) => t.exposedName),
    ).toEqual(["gh__list", "gh__write"]);
  });
});
