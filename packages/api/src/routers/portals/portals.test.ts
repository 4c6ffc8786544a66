import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

// Issue 9 point 5: portals in the console. The checks are the apply file's (control/portals).
let h: ApiHarness;
const ids = { alpha: "", beta: "", agent: "", team: "" };

beforeAll(async () => {
  h = await startApiHarness("portals");
  const { db } = h.database;
  ids.alpha = (
    await seedServerWithTools(db, { orgId: h.orgId, name: "alpha", tools: ["echo", "list", "drop"] })
  ).serverId;
  ids.beta = (
    await seedServerWithTools(db, { orgId: h.orgId, name: "beta", tools: ["echo", "ping"] })
  ).serverId;
  const seeded = await seedTeamWithAgent(db, { orgId: h.orgId, team: "ops", agent: "ops-bot" });
  ids.agent = seeded.agentId!;
  ids.team = seeded.teamId;
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("portals · happy path", () => {
  it("creates, lists, edits and deletes a portal; each change publishes; the preview is scoped to it", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.portals.create({
      name: "conformance",
      description: "alpha under its own names",
      tools: [{ server: "alpha", tools: ["*"] }],
      naming: "bare",
      exposure: "search",
      overrides: [{ server: "alpha", tool: "echo", name: "say", fixedArguments: { message: "safe" } }],
    });
    const served = (await servedSnapshot(h.redis, h.names())).portals?.find((p) => p.id === id);
    expect(served).toMatchObject({ name: "conformance", naming: "bare", exposure: "search" });
    expect(served?.tools).toEqual([{ serverId: ids.alpha, tools: ["*"] }]);

    const [listed] = await (await h.as("member")).portals.list();
    expect(listed?.portal).toEqual({
      name: "conformance",
      description: "alpha under its own names",
      tools: [{ server: "alpha", tools: ["*"] }],
      naming: "bare",
      exposure: "search",
      overrides: [{ server: "alpha", tool: "echo", name: "say", fixedArguments: { message: "safe" } }],
    });

    await admin.grants.set({
      subject: { type: "team", id: ids.team },
      serverId: ids.alpha,
      toolPattern: "*",
      effect: "allow",
    });
    await admin.grants.set({
      subject: { type: "team", id: ids.team },
      serverId: ids.alpha,
      toolPattern: "drop",
      effect: "deny",
    });
    await admin.grants.set({
      subject: { type: "team", id: ids.team },
      serverId: ids.beta,
      toolPattern: "*",
      effect: "allow",
    });
    const everything = await admin.grants.preview({ agentId: ids.agent });
    expect(everything.map((t) => t.exposedName).sort()).toEqual([
      "alpha__echo",
      "alpha__list",
      "beta__echo",
      "beta__ping",
    ]);
    // Through the portal: alpha only (beta is granted but not selected), drop stays denied.
    const through = await admin.grants.preview({ agentId: ids.agent, portalId: id });
    expect(through.map((t) => t.exposedName).sort()).toEqual(["list", "say"]);

    const same = await admin.portals.update({ id, portal: listed!.portal });
    expect(same.changed).toEqual([]);
    const edited = await admin.portals.update({
      id,
      portal: { ...listed!.portal, naming: "prefixed", overrides: [] },
    });
    expect(edited.changed).toEqual(["naming", "overrides"]);
    expect(
      (await admin.grants.preview({ agentId: ids.agent, portalId: id })).map((t) => t.exposedName).sort(),
    ).toEqual(["alpha__echo", "alpha__list"]);

    await admin.portals.delete({ id });
    expect(await admin.portals.list()).toEqual([]);
    expect((await servedSnapshot(h.redis, h.names())).portals).toEqual([]);
    const actions = (
      await h.database.db.adminAuditLog.findMany({ where: { targetId: id }, orderBy: { createdAt: "asc" } })
    ).map((a) => a.action);
    expect(actions).toEqual(["portal.create", "portal.update", "portal.delete"]);
  });
});

describe("portals · errors", () => {
  it("refuses bare names two tools share, naming both, and stores nothing", async () => {
    const admin = await h.as("admin");
    const error = await caught(
      admin.portals.create({
        name: "clash",
        tools: [
          { server: "alpha", tools: ["echo"] },
          { server: "beta", tools: ["*"] },
        ],
        naming: "bare",
        exposure: "full",
        overrides: [],
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain('tools "alpha/echo" and "beta/echo" would both be called "echo"');
    expect(await admin.portals.list()).toEqual([]);
  });

  it("refuses an override of a tool the portal does not select, and a fixed argument the schema does not allow", async () => {
    const admin = await h.as("admin");
    const error = await caught(
      admin.portals.create({
        name: "bad",
        tools: [{ server: "alpha", tools: ["echo", "list"] }],
        naming: "prefixed",
        exposure: "full",
        overrides: [
          { server: "alpha", tool: "drop", name: "gone" },
          { server: "alpha", tool: "echo", fixedArguments: { mode: "safe", message: 3 } },
          { server: "gamma", tool: "x" },
        ],
      }),
    );
    expect(error.message).toContain('overrides[0].tool: tool "alpha/drop" is not one the portal selects');
    expect(error.message).toContain(
      'overrides[1].fixedArguments.mode: alpha/echo: fixed argument "mode" is not a property',
    );
    expect(error.message).toContain(
      'overrides[1].fixedArguments.message: alpha/echo: fixed argument "message" must be of type string',
    );
    expect(error.message).toContain('overrides[2].server: unknown server "gamma"');
    expect(await admin.portals.list()).toEqual([]);
  });
});

describe("portals · security", () => {
  it("a member cannot change portals; another organization's portal is not found", async () => {
    const member = await h.as("member");
    const denied = await caught(
      member.portals.create({
        name: "x",
        tools: [{ server: "alpha", tools: ["*"] }],
        naming: "prefixed",
        exposure: "full",
        overrides: [],
      }),
    );
    expect(denied.code).toBe("FORBIDDEN");
    const outsider = await h.as("outsider");
    const mine = await (await h.as("admin")).portals.create({
      name: "mine",
      tools: [{ server: "alpha", tools: ["*"] }],
      naming: "prefixed",
      exposure: "full",
      overrides: [],
    });
    expect((await caught(outsider.portals.delete({ id: mine.id }))).code).toBe("NOT_FOUND");
    // Server names resolve in the caller's organization only.
    const foreign = await caught(
      outsider.portals.create({
        name: "mine",
        tools: [{ server: "alpha", tools: ["*"] }],
        naming: "prefixed",
        exposure: "full",
        overrides: [],
      }),
    );
    expect(foreign.message).toContain('unknown server "alpha"');
  });
});
