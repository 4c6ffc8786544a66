import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApiContext } from "./context";
import { appRouter } from "./root";
import { caught } from "./testing/caught";
import { type ApiHarness, startApiHarness } from "./testing/harness";
import { seedServerWithTools } from "./testing/seed";
import { changeProcedure, createCallerFactory, router } from "./trpc";

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness("publish");
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

interface ProcedureDef {
  _def: { type: string; meta?: { publishes?: true; notInSnapshot?: string } };
}
const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
const mutations = Object.entries(procedures).filter(([, p]) => p._def.type === "mutation");
const publishing = mutations.filter(([, p]) => p._def.meta?.publishes === true).map(([path]) => path);

/** The version gateways are told about: what "reaches gateways" means. */
const servedVersion = async () => Number((await h.redis.get(h.names().snapshotVersion)) ?? 0);

describe("publish after change, in one place", () => {
  it("has every mutation either publish through changeProcedure or say why it never changes the snapshot", () => {
    expect(mutations.length).toBeGreaterThan(30);
    const undeclared = mutations
      .filter(
        ([, p]) => (p._def.meta?.publishes === true) === (typeof p._def.meta?.notInSnapshot === "string"),
      )
      .map(([path]) => path);
    expect(undeclared).toEqual([]);
  });

  it("reaches gateways from every publishing mutation of the console's API", async () => {
    const { db } = h.database;
    const admin = await h.as("admin");
    const { toolIds } = await seedServerWithTools(db, {
      orgId: h.orgId,
      name: "crm",
      tools: ["echo", { name: "rug-pull", status: "quarantined" }, { name: "second", status: "quarantined" }],
    });
    const { id: teamId } = await admin.teams.create({ name: "platform" });
    const reached: string[] = [];
    const expectPublished = async (path: string, call: () => Promise<unknown>) => {
      const before = await servedVersion();
      await call();
      expect({ path, published: (await servedVersion()) > before }).toEqual({ path, published: true });
      reached.push(path);
    };
    let serverId = "";
    let agentId = "";
    let keyId = "";
    let grantId = "";
    let policyId = "";

    await expectPublished("servers.create", async () => {
      serverId = (await admin.servers.create({ name: "alpha", transport: "stdio", command: "x" })).id;
    });
    await expectPublished("servers.update", () => admin.servers.update({ id: serverId, command: "y" }));
    await expectPublished("servers.setStatus", () =>
      admin.servers.setStatus({ id: serverId, status: "disabled" }),
    );
    await expectPublished("servers.importMcpJson", () =>
      admin.servers.importMcpJson({ json: JSON.stringify({ mcpServers: { beta: { command: "x" } } }) }),
    );
    await expectPublished("teams.update", () => admin.teams.update({ id: teamId, name: "platform-2" }));
    await expectPublished("agents.create", async () => {
      agentId = (await admin.agents.create({ name: "bot", teamId })).id;
    });
    await expectPublished("agents.update", () => admin.agents.update({ id: agentId, name: "bot-2" }));
    await expectPublished("agents.setStatus", () =>
      admin.agents.setStatus({ id: agentId, status: "disabled" }),
    );
    await expectPublished("agents.setExposure", () =>
      admin.agents.setExposure({ id: agentId, exposure: "code" }),
    );
    await expectPublished("keys.create", async () => {
      keyId = (await admin.keys.create({ agentId })).id;
    });
    await expectPublished("keys.revoke", () => admin.keys.revoke({ id: keyId }));
    await expectPublished("grants.set", async () => {
      const grant = { subject: { type: "agent" as const, id: agentId }, serverId, toolPattern: "*" };
      grantId = (await admin.grants.set({ ...grant, effect: "allow" })).id;
    });
    await expectPublished("grants.delete", () => admin.grants.delete({ id: grantId }));
    await expectPublished("grants.bulk.save", async () => {
      const change = {
        principal: { type: "agent" as const, id: agentId },
        filter: { serverId },
        effect: "deny" as const,
      };
      const { fingerprint } = await admin.grants.bulk.preview(change);
      await admin.grants.bulk.save({ change, fingerprint });
    });
    let itemGrantId = "";
    await expectPublished("itemGrants.set", async () => {
      const rule = { subject: { type: "agent" as const, id: agentId }, serverId, kind: "resource" as const };
      itemGrantId = (await admin.itemGrants.set({ ...rule, pattern: "docs://*", effect: "allow" })).id;
    });
    await expectPublished("itemGrants.delete", () => admin.itemGrants.delete({ id: itemGrantId }));
    await expectPublished("tools.setRisk", () => admin.tools.setRisk({ id: toolIds.echo!, risk: "read" }));
    await expectPublished("tools.setStatus", () =>
      admin.tools.setStatus({ id: toolIds.echo!, status: "disabled" }),
    );
    await expectPublished("review.approve", () =>
      admin.review.approve({ id: toolIds["rug-pull"]!, definitionHash: "hash-rug-pull" }),
    );
    await expectPublished("review.reject", () => admin.review.reject({ id: toolIds.second! }));
    const policy = {
      name: "no-emails",
      kind: "dlp" as const,
      config: { detectors: ["email" as const], action: "block" as const, direction: "arguments" as const },
    };
    await expectPublished("policies.create", async () => {
      policyId = (await admin.policies.create({ policy })).id;
    });
    await expectPublished("policies.update", () =>
      admin.policies.update({ id: policyId, policy: { ...policy, priority: 5 } }),
    );
    await expectPublished("policies.setEnabled", () =>
      admin.policies.setEnabled({ id: policyId, enabled: false }),
    );
    await expectPublished("policies.delete", () => admin.policies.delete({ id: policyId }));
    const portal = {
      name: "crm-only",
      tools: [{ server: "crm", tools: ["echo"] }],
      naming: "bare" as const,
      exposure: "full" as const,
      overrides: [],
    };
    let portalId = "";
    await expectPublished("portals.create", async () => {
      portalId = (await admin.portals.create(portal)).id;
    });
    await expectPublished("portals.update", () =>
      admin.portals.update({ id: portalId, portal: { ...portal, naming: "prefixed" } }),
    );
    await expectPublished("portals.delete", () => admin.portals.delete({ id: portalId }));
    // A person's teams are in the snapshot (their grants), and so is the person.
    await expectPublished("teams.addMember", () =>
      admin.teams.addMember({ teamId, email: "member@example.com" }),
    );
    await expectPublished("teams.removeMember", () =>
      admin.teams.removeMember({ teamId, userId: h.userIds.member }),
    );
    await expectPublished("agents.delete", () => admin.agents.delete({ id: agentId }));
    await expectPublished("teams.delete", () => admin.teams.delete({ id: teamId }));
    await expectPublished("servers.delete", () => admin.servers.delete({ id: serverId }));
    // People are gateway callers (OAuth): suspending, revoking a client and removing publish.
    const member = h.userIds.member;
    await expectPublished("members.setSuspended", () =>
      admin.members.setSuspended({ userId: member, suspended: true }),
    );
    await db.oAuthConnection.create({
      data: {
        id: "occ_publish",
        orgId: h.orgId,
        userId: member,
        clientId: "c1",
        clientName: "Claude Code",
        redirectUri: "http://127.0.0.1:1/cb",
        grantId: "grant-publish",
      },
    });
    await expectPublished("members.revokeConnection", () =>
      admin.members.revokeConnection({ connectionId: "occ_publish" }),
    );
    await expectPublished("members.remove", () => admin.members.remove({ userId: member }));

    // A publishing mutation added to the API without a line here fails this test.
    expect(reached.sort()).toEqual([...publishing].sort());
    // Two dozen changes, each publishing a snapshot: more than the default on a busy machine.
  }, 120_000);
});

describe("changeProcedure", () => {
  const change = changeProcedure("servers.write");
  const probe = router({
    silent: change.mutation(() => "done"),
    described: change.mutation(({ ctx }) => ctx.change.describe("probe.described alpha")),
    unchanged: change.mutation(({ ctx }) => ctx.change.unchanged()),
    failing: change.input(z.object({ boom: z.string() })).mutation(() => {
      throw new Error("the change was rolled back");
    }),
  });
  const callerAs = async () =>
    createCallerFactory(probe)(await createApiContext(h.deps(), { userId: h.userIds.admin }));

  it("publishes after a handler that says nothing about publishing, named by its path", async () => {
    const before = await servedVersion();
    expect(await (await callerAs()).silent()).toBe("done");
    expect(await servedVersion()).toBeGreaterThan(before);
    const latest = await h.database.db.configSnapshot.findFirst({ orderBy: { version: "desc" } });
    expect(latest?.summary).toBe("silent by admin@example.com");
  });

  it("takes the handler's description, and publishes nothing for an unchanged call or a failed one", async () => {
    const caller = await callerAs();
    await caller.described();
    const latest = await h.database.db.configSnapshot.findFirst({ orderBy: { version: "desc" } });
    expect(latest?.summary).toBe("probe.described alpha by admin@example.com");
    const before = await servedVersion();
    await caller.unchanged();
    expect((await caught(caller.failing({ boom: "x" }))).code).toBe("INTERNAL_SERVER_ERROR");
    expect(await servedVersion()).toBe(before);
  });

  it("checks the permission before running or publishing anything", async () => {
    const auditor = createCallerFactory(probe)(
      await createApiContext(h.deps(), { userId: h.userIds.auditor }),
    );
    const before = await servedVersion();
    expect((await caught(auditor.silent())).code).toBe("FORBIDDEN");
    expect(await servedVersion()).toBe(before);
  });
});
