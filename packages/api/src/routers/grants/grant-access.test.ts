import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
const ids = {} as {
  platform: string;
  ciBot: string;
  data: string;
  github: string;
  notes: string;
  theirs: string;
};

beforeAll(async () => {
  h = await startApiHarness("grant_access");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const data = await seedTeamWithAgent(db, { orgId: h.orgId, team: "data" });
  const github = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "github",
    tools: [{ name: "search-issues", readOnly: true }, { name: "list-repos", readOnly: true }, "delete-repo"],
  });
  const notes = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "notes",
    tools: [{ name: "read-note", readOnly: true }, "delete-note"],
  });
  const theirs = await seedTeamWithAgent(db, { orgId: h.otherOrgId, team: "theirs" });
  Object.assign(ids, {
    platform: platform.teamId,
    ciBot: platform.agentId!,
    data: data.teamId,
    github: github.serverId,
    notes: notes.serverId,
    theirs: theirs.teamId,
  });
  const admin = await h.as("admin");
  await admin.grants.set({
    subject: { type: "team", id: ids.platform },
    serverId: ids.github,
    toolPattern: "*",
    effect: "allow",
  });
  await admin.grants.set({
    subject: { type: "agent", id: ids.ciBot },
    serverId: ids.github,
    toolPattern: "delete-*",
    effect: "deny",
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

const team = () => ({ type: "team" as const, id: ids.platform });
const bot = () => ({ type: "agent" as const, id: ids.ciBot });

describe("grant access · happy path", () => {
  it("shows a principal's access per server, an agent inheriting its team's grants", async () => {
    const auditor = await h.as("auditor");
    const view = await auditor.grants.access.byServer({ principal: bot() });
    expect(view.principal).toMatchObject({ name: "ci-bot", team: { name: "platform" } });
    expect(view.rows.map((r) => [r.server.name, r.counts])).toEqual([
      ["github", { allow: 2, approve: 0, deny: 1, none: 0 }],
      ["notes", { allow: 0, approve: 0, deny: 0, none: 2 }],
    ]);
    expect(view.rows[0]!.grants.map((g) => `${g.toolPattern}:${g.effect}:${g.inherited}`)).toEqual([
      "*:allow:true",
      "delete-*:deny:false",
    ]);

    // Filters: risk, pattern and effect narrow the tools; servers without any are left out.
    const destructive = await auditor.grants.access.byServer({
      principal: bot(),
      filter: { risk: ["destructive"] },
    });
    expect(destructive.rows.map((r) => [r.server.name, r.counts.deny, r.counts.none])).toEqual([
      ["github", 1, 0],
      ["notes", 0, 1],
    ]);
    const denied = await auditor.grants.access.byServer({ principal: bot(), filter: { effect: ["deny"] } });
    expect(denied.rows.map((r) => r.server.name)).toEqual(["github"]);

    const tools = await auditor.grants.access.byTool({
      principal: bot(),
      filter: { toolPattern: "delete-*" },
    });
    expect(tools.total).toBe(2);
    expect(tools.items.map((t) => `${t.exposedName}:${t.effect}:${t.grant?.toolPattern ?? "-"}`)).toEqual([
      "github__delete-repo:deny:delete-*",
      "notes__delete-note:none:-",
    ]);
    const page = await auditor.grants.access.byTool({ principal: team(), limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((t) => t.exposedName)).toEqual(["github__search-issues", "notes__delete-note"]);
  });

  it("shows every principal's access to one server", async () => {
    const view = await (await h.as("member")).grants.access.byPrincipal({ serverId: ids.github });
    expect(view.server.name).toBe("github");
    expect(
      view.items.map((r) => [r.principal.type, r.principal.name, r.counts.allow, r.counts.none]),
    ).toEqual([
      ["team", "data", 0, 3],
      ["team", "platform", 3, 0],
      ["agent", "ci-bot", 2, 0],
    ]);
    const searched = await (await h.as("admin")).grants.access.byPrincipal({
      serverId: ids.github,
      search: "plat",
      filter: { effect: ["allow"] },
    });
    expect(searched.items.map((r) => r.principal.name)).toEqual(["platform"]);
  });

  it("previews a bulk change, then saves exactly that, audited and published", async () => {
    const admin = await h.as("admin");
    // Require approval for every destructive tool, for the team.
    const change = {
      principal: team(),
      filter: { risk: ["destructive" as const] },
      effect: "approve" as const,
    };
    const preview = await admin.grants.bulk.preview(change);
    expect(preview.grants.map((g) => `${g.serverName}:${g.toolPattern}:${g.action}`)).toEqual([
      "github:delete-repo:create",
      "notes:delete-note:create",
    ]);
    expect(preview.tools).toMatchObject({ total: 2, changed: 2 });
    expect(preview.tools.sample.map((t) => `${t.exposedName}:${t.before}>${t.after}`)).toEqual([
      "github__delete-repo:allow>approve",
      "notes__delete-note:none>approve",
    ]);
    // Previewing changes nothing.
    expect((await admin.grants.list({ subject: team() })).length).toBe(1);

    const saved = await admin.grants.bulk.save({ change, fingerprint: preview.fingerprint });
    expect(saved).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const grants = await admin.grants.list({ subject: team() });
    expect(grants.map((g) => `${g.serverName}:${g.toolPattern}:${g.effect}`).sort()).toEqual([
      "github:*:allow",
      "github:delete-repo:approve",
      "notes:delete-note:approve",
    ]);
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.grants.filter((g) => g.teamId === ids.platform && g.effect === "approve")).toHaveLength(2);
    const audit = await admin.history.adminAudit({ action: "grant.create" });
    expect(audit.items.map((a) => a.details)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: expect.stringContaining("delete-note") })]),
    );

    // The same change again plans nothing; the agent's own deny still wins over the team's approval.
    const again = await admin.grants.bulk.preview(change);
    expect(again.grants.every((g) => g.action === "none")).toBe(true);
    const forBot = await admin.grants.bulk.preview({ ...change, principal: bot(), effect: "allow" });
    expect(forBot.tools.sample.find((t) => t.exposedName === "github__delete-repo")).toMatchObject({
      before: "deny",
      after: "deny",
    });
  });

  it("gives a whole server one * grant", async () => {
    const admin = await h.as("admin");
    const change = {
      principal: { type: "team" as const, id: ids.data },
      filter: { serverId: ids.notes },
      effect: "allow" as const,
    };
    const preview = await admin.grants.bulk.preview(change);
    expect(preview.grants).toEqual([
      { serverId: ids.notes, serverName: "notes", toolPattern: "*", action: "create", before: null },
    ]);
  });
});

describe("grant access · errors", () => {
  it("refuses a save whose preview is stale, and changes nothing", async () => {
    const admin = await h.as("admin");
    const change = {
      principal: team(),
      filter: { serverId: ids.notes, risk: ["read" as const] },
      effect: "deny" as const,
    };
    const preview = await admin.grants.bulk.preview(change);
    await admin.grants.set({
      subject: team(),
      serverId: ids.notes,
      toolPattern: "read-note",
      effect: "allow",
    });
    const error = await caught(admin.grants.bulk.save({ change, fingerprint: preview.fingerprint }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("preview the change again");
    const grant = (await admin.grants.list({ subject: team(), serverId: ids.notes })).find(
      (g) => g.toolPattern === "read-note",
    );
    expect(grant?.effect).toBe("allow");
  });

  it("reports an unknown principal or server as not found", async () => {
    const admin = await h.as("admin");
    expect(
      (await caught(admin.grants.access.byServer({ principal: { type: "team", id: "team_nope" } }))).code,
    ).toBe("NOT_FOUND");
    expect((await caught(admin.grants.access.byPrincipal({ serverId: "srv_nope" }))).code).toBe("NOT_FOUND");
  });
});

describe("grant access · security", () => {
  it("keeps other organizations' principals out, and bulk saves need grants.write", async () => {
    const admin = await h.as("admin");
    const theirs = await caught(
      admin.grants.access.byServer({ principal: { type: "team", id: ids.theirs } }),
    );
    expect(theirs.code).toBe("NOT_FOUND");
    const change = { principal: team(), filter: {}, effect: "deny" as const };
    const preview = await (await h.as("auditor")).grants.bulk.preview(change);
    const refused = await caught(
      (await h.as("auditor")).grants.bulk.save({ change, fingerprint: preview.fingerprint }),
    );
    expect(refused.code).toBe("FORBIDDEN");
    const outsider = await caught(
      (await h.as("outsider")).grants.access.byPrincipal({ serverId: ids.github }),
    );
    expect(outsider.code).toBe("NOT_FOUND");
  });
});
