import type {
  ConfigSnapshot,
  SnapshotGrant,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { visibleTools } from "@portcullis/policy/visible-tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
const ids = {} as {
  platform: string;
  ciBot: string;
  data: string;
  etl: string;
  github: string;
  notes: string;
  tools: Record<string, string>;
  theirAgent: string;
  theirServer: string;
  theirGrant: string;
};

beforeAll(async () => {
  h = await startApiHarness("grants");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const data = await seedTeamWithAgent(db, { orgId: h.orgId, team: "data", agent: "etl" });
  const github = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "github",
    tools: [{ name: "search-issues", readOnly: true }, "create-issue", "delete-repo", "delete-branch"],
  });
  const notes = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "notes",
    tools: ["echo", "write-note"],
  });
  const theirs = await seedTeamWithAgent(db, { orgId: h.otherOrgId, team: "platform", agent: "ci-bot" });
  const theirServer = await seedServerWithTools(db, {
    orgId: h.otherOrgId,
    name: "github",
    tools: ["search-issues"],
  });
  const theirGrant = await (await h.as("outsider")).grants.set({
    subject: { type: "team", id: theirs.teamId },
    serverId: theirServer.serverId,
    toolPattern: "*",
    effect: "allow",
  });
  Object.assign(ids, {
    platform: platform.teamId,
    ciBot: platform.agentId!,
    data: data.teamId,
    etl: data.agentId!,
    github: github.serverId,
    notes: notes.serverId,
    tools: { ...github.toolIds, ...notes.toolIds },
    theirAgent: theirs.agentId!,
    theirServer: theirServer.serverId,
    theirGrant: theirGrant.id,
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

/** What a gateway serving `doc` lists for the agent: the indexes CompiledSnapshot builds, then policy. */
function gatewayListing(doc: ConfigSnapshot, agentId: string): string[] {
  const agent = doc.agents.find((a) => a.id === agentId)!;
  const serversById = new Map<string, SnapshotServer>(doc.servers.map((s) => [s.id, s]));
  const grantsByServer = new Map<string, SnapshotGrant[]>();
  for (const g of doc.grants) grantsByServer.set(g.serverId, [...(grantsByServer.get(g.serverId) ?? []), g]);
  const toolsOfOrg: SnapshotTool[] = doc.tools.filter(
    (t) => serversById.get(t.serverId)?.orgId === agent.orgId,
  );
  return visibleTools(agent, toolsOfOrg, serversById, grantsByServer).map((v) => v.tool.exposedName);
}

describe("grants · happy path", () => {
  it("sets grants for teams and agents; the preview equals what the gateway lists", async () => {
    const admin = await h.as("admin");
    const set = (
      subject: { type: "team" | "agent"; id: string },
      serverId: string,
      toolPattern: string,
      effect: "allow" | "approve" | "deny",
    ) => admin.grants.set({ subject, serverId, toolPattern, effect });

    expect(await (await h.as("admin")).grants.preview({ agentId: ids.ciBot })).toEqual([]);
    const teamAll = await set({ type: "team", id: ids.platform }, ids.github, "*", "allow");
    expect(teamAll.action).toBe("create");
    await set({ type: "agent", id: ids.ciBot }, ids.github, "delete-*", "deny");
    await set({ type: "team", id: ids.platform }, ids.notes, "write-*", "approve");
    await set({ type: "agent", id: ids.etl }, ids.notes, "echo", "allow");

    const preview = await admin.grants.preview({ agentId: ids.ciBot });
    expect(preview.map((p) => `${p.exposedName}:${p.effect}`).sort()).toEqual([
      "github__create-issue:allow",
      "github__search-issues:allow",
      "notes__write-note:approve",
    ]);
    expect(preview.find((p) => p.exposedName === "github__create-issue")).toMatchObject({
      serverName: "github",
      grantId: teamAll.id,
      riskClass: "destructive",
    });

    // The gateway reads the snapshot served in Redis: same tools, same order.
    const served = await servedSnapshot(h.redis, h.names());
    for (const agentId of [ids.ciBot, ids.etl]) {
      const previewed = (await admin.grants.preview({ agentId })).map((p) => p.exposedName);
      expect(previewed).toEqual(gatewayListing(served, agentId));
    }
    expect((await admin.grants.preview({ agentId: ids.etl })).map((p) => p.exposedName)).toEqual([
      "notes__echo",
    ]);
  });

  it("updates a grant of the same subject, server and pattern instead of adding another", async () => {
    const admin = await h.as("admin");
    const subject = { type: "agent" as const, id: ids.etl };
    const first = await admin.grants.set({
      subject,
      serverId: ids.github,
      toolPattern: "search-issues",
      effect: "allow",
    });
    const again = await admin.grants.set({
      subject,
      serverId: ids.github,
      toolPattern: "search-issues",
      effect: "allow",
    });
    expect(again).toEqual({ id: first.id, action: "none" });
    const approve = await admin.grants.set({
      subject,
      serverId: ids.github,
      toolPattern: "search-issues",
      effect: "approve",
      approvalTimeoutSec: 600,
      reason: "reads private repos",
    });
    expect(approve).toEqual({ id: first.id, action: "update" });
    const listed = (await admin.grants.list({ subject })).filter((g) => g.toolPattern === "search-issues");
    expect(listed).toEqual([
      expect.objectContaining({
        id: first.id,
        subject: { type: "agent", id: ids.etl, name: "etl" },
        serverName: "github",
        effect: "approve",
        approvalTimeoutSec: 600,
        reason: "reads private repos",
      }),
    ]);
    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: first.id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual(["grant.create", "grant.update"]);
    expect(audit[0]!.details).toMatchObject({ name: "agent:etl/github/search-issues", effect: "allow" });
    expect(audit[1]!.actorName).toBe("admin@example.com");

    // "None" in the matrix: back to default deny.
    await admin.grants.delete({ id: first.id });
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.grants.map((g) => g.id)).not.toContain(first.id);
    expect(gatewayListing(served, ids.etl)).not.toContain("github__search-issues");
  });

  it("lists grants per server for the matrix, visible to members and auditors", async () => {
    for (const person of ["member", "auditor", "approver"] as const) {
      const grants = await (await h.as(person)).grants.list({ serverId: ids.notes });
      expect(grants.every((g) => g.serverId === ids.notes)).toBe(true);
      expect(grants.length).toBeGreaterThan(0);
    }
  });
});

describe("grants · errors and security", () => {
  it("lets no approver, auditor or member change a grant", async () => {
    const before = await h.database.db.grant.count();
    for (const person of ["approver", "auditor", "member"] as const) {
      const caller = await h.as(person);
      const error = await caught(
        caller.grants.set({
          subject: { type: "team", id: ids.data },
          serverId: ids.github,
          toolPattern: "*",
          effect: "allow",
        }),
      );
      expect(error.code).toBe("FORBIDDEN");
      expect(error.message).toBe("not allowed: this needs the 'grants.write' permission");
      expect((await caught(caller.grants.delete({ id: ids.theirGrant }))).code).toBe("FORBIDDEN");
    }
    expect(await h.database.db.grant.count()).toBe(before);
  });

  it("validates the pattern and the effect", async () => {
    const admin = await h.as("admin");
    const empty = await caught(
      admin.grants.set({
        subject: { type: "team", id: ids.data },
        serverId: ids.github,
        toolPattern: "  ",
        effect: "allow",
      }),
    );
    expect(empty.code).toBe("BAD_REQUEST");
    const effect = await caught(
      admin.grants.set({
        subject: { type: "team", id: ids.data },
        serverId: ids.github,
        toolPattern: "*",
        effect: "maybe" as "allow",
      }),
    );
    expect(effect.code).toBe("BAD_REQUEST");
  });

  it("treats another organization's agents, servers and grants as missing", async () => {
    const admin = await h.as("admin");
    const attempts = [
      () =>
        admin.grants.set({
          subject: { type: "agent", id: ids.theirAgent },
          serverId: ids.github,
          toolPattern: "*",
          effect: "allow",
        }),
      () =>
        admin.grants.set({
          subject: { type: "team", id: ids.platform },
          serverId: ids.theirServer,
          toolPattern: "*",
          effect: "allow",
        }),
      () => admin.grants.delete({ id: ids.theirGrant }),
      () => admin.grants.preview({ agentId: ids.theirAgent }),
    ];
    for (const attempt of attempts) expect((await caught(attempt())).code).toBe("NOT_FOUND");
    expect((await admin.grants.list()).map((g) => g.id)).not.toContain(ids.theirGrant);
    expect(await h.database.db.grant.count({ where: { id: ids.theirGrant } })).toBe(1);
  });
});
