import { applyConfig } from "@portcullis/control/apply/apply-config";
import { parseConfigText } from "@portcullis/control/apply/load-config-file";
import { compileDlpPolicies } from "@portcullis/policy/dlp/compile-dlp-policies";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorData } from "../../errors";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
const ids = {} as {
  platform: string;
  ciBot: string;
  data: string;
  github: string;
  tools: Record<string, string>;
  theirPolicy: string;
  theirTeam: string;
};

beforeAll(async () => {
  h = await startApiHarness("policies");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const data = await seedTeamWithAgent(db, { orgId: h.orgId, team: "data", agent: "etl" });
  const github = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "github",
    tools: [{ name: "search-issues", readOnly: true }, "create-issue"],
  });
  const theirs = await seedTeamWithAgent(db, { orgId: h.otherOrgId, team: "spies", agent: "spy" });
  const theirPolicy = await (await h.as("outsider")).policies.create({
    policy: { name: "their-dlp", kind: "dlp", config: { detectors: ["email"], action: "log" } },
  });
  Object.assign(ids, {
    platform: platform.teamId,
    ciBot: platform.agentId!,
    data: data.teamId,
    github: github.serverId,
    tools: github.toolIds,
    theirPolicy: theirPolicy.id,
    theirTeam: theirs.teamId,
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

const NO_EMAILS = {
  name: "no-emails",
  kind: "dlp" as const,
  scope: { teams: ["platform"], tools: ["github__create-issue"] },
  config: { detectors: ["email" as const], action: "block" as const, direction: "arguments" as const },
};

const fieldErrorsOf = async (promise: Promise<unknown>) => {
  const error = await caught(promise);
  return { code: error.code, ...errorData(error) };
};

describe("policies · happy path", () => {
  it("creates, edits, disables and deletes a DLP policy; the gateway's snapshot follows", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.policies.create({ policy: NO_EMAILS });

    expect(await admin.policies.get({ id })).toMatchObject({
      id,
      name: "no-emails",
      kind: "dlp",
      enabled: true,
      priority: 100,
      scope: {
        teams: [{ ref: ids.platform, name: "platform" }],
        agents: [],
        servers: [],
        tools: [{ ref: ids.tools["create-issue"], name: "github__create-issue" }],
      },
      // Stored as the file's schema parses it: defaults filled in.
      config: { detectors: ["email"], custom: [], direction: "arguments", action: "block" },
      createdBy: "admin@example.com",
    });

    // The gateway's DLP stage, run on the served snapshot, covers ci-bot's create-issue calls.
    const call = {
      orgId: h.orgId,
      teamId: ids.platform,
      agentId: ids.ciBot,
      serverId: ids.github,
      toolId: ids.tools["create-issue"]!,
      toolName: "github__create-issue",
    };
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.policies.find((p) => p.id === id)).toMatchObject({
      orgId: h.orgId,
      scope: { teams: [ids.platform], tools: [ids.tools["create-issue"]] },
    });
    const dlp = compileDlpPolicies(served.policies);
    expect(dlp.skipped).toEqual([]);
    expect(dlp.forCall(call).arguments).not.toBeNull();
    expect(dlp.forCall({ ...call, toolId: ids.tools["search-issues"]!, toolName: "x" }).arguments).toBeNull();

    const edited = await admin.policies.update({
      id,
      policy: { ...NO_EMAILS, name: "no-emails-anywhere", priority: 5, scope: {} },
    });
    expect(edited.changed).toEqual(["name", "priority", "scope"]);
    expect(
      (await admin.policies.update({ id, policy: { ...NO_EMAILS, name: "no-emails-anywhere", priority: 5 } }))
        .changed,
    ).toEqual(["scope"]);
    expect(
      (await admin.policies.update({ id, policy: { ...NO_EMAILS, name: "no-emails-anywhere", priority: 5 } }))
        .changed,
    ).toEqual([]);

    await admin.policies.setEnabled({ id, enabled: false });
    expect((await admin.policies.get({ id })).enabled).toBe(false);
    expect((await servedSnapshot(h.redis, h.names())).policies.find((p) => p.id === id)).toBeUndefined();
    await admin.policies.setEnabled({ id, enabled: true });
    expect((await servedSnapshot(h.redis, h.names())).policies.find((p) => p.id === id)?.name).toBe(
      "no-emails-anywhere",
    );

    await admin.policies.delete({ id });
    expect(await caught(admin.policies.get({ id }))).toMatchObject({ code: "NOT_FOUND" });
    expect((await servedSnapshot(h.redis, h.names())).policies.find((p) => p.id === id)).toBeUndefined();

    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => [a.action, (a.details as { fields?: string[] }).fields ?? null])).toEqual([
      ["policy.create", null],
      ["policy.update", ["name", "priority", "scope"]],
      ["policy.update", ["scope"]],
      ["policy.update", ["enabled"]],
      ["policy.update", ["enabled"]],
      ["policy.delete", null],
    ]);
    expect(audit[1]?.actorName).toBe("admin@example.com");
    expect(audit[1]?.details).toMatchObject({
      changes: { name: { from: "no-emails", to: "no-emails-anywhere" }, priority: { from: 100, to: 5 } },
    });
  });

  it("creates rate-limit and approval policies and lists them by kind", async () => {
    const owner = await h.as("owner");
    const limit = await owner.policies.create({
      policy: {
        name: "one-per-minute",
        kind: "rate_limit",
        disabled: true,
        scope: { agents: ["ci-bot"], servers: ["github"] },
        config: { limits: [{ per: "agent", window: "minute", max: 1 }] },
      },
    });
    const approval = await owner.policies.create({
      policy: {
        name: "prod-needs-a-human",
        kind: "approval",
        priority: 10,
        config: {
          riskClasses: ["destructive"],
          when: { path: "env", in: ["prod"] },
          timeoutSec: 900,
          reason: "  production changes need a second pair of eyes ",
        },
      },
    });
    const auditor = await h.as("auditor");
    expect((await auditor.policies.list({ kind: "rate_limit" })).map((p) => p.id)).toEqual([limit.id]);
    const all = await auditor.policies.list();
    expect(all.map((p) => p.name)).toEqual(["prod-needs-a-human", "one-per-minute"]);
    expect(all[0]).toMatchObject({
      enabled: true,
      priority: 10,
      config: {
        reason: "production changes need a second pair of eyes",
        when: { path: "env", in: ["prod"] },
      },
    });
    expect(all[1]).toMatchObject({
      enabled: false,
      scope: { agents: [{ ref: ids.ciBot, name: "ci-bot" }], servers: [{ ref: ids.github, name: "github" }] },
      config: { limits: [{ per: "agent", window: "minute", max: 1 }], onRedisDown: "open" },
    });
    // Disabled policies stay out of the snapshot.
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.policies.map((p) => p.name)).toContain("prod-needs-a-human");
    expect(served.policies.map((p) => p.name)).not.toContain("one-per-minute");
    for (const p of [limit, approval]) await owner.policies.delete({ id: p.id });
  });
});

describe("policies · errors", () => {
  it("rejects invalid configs with the file schema's messages, keyed by field", async () => {
    const admin = await h.as("admin");
    expect(
      await fieldErrorsOf(
        admin.policies.create({
          policy: {
            name: "Bad Name",
            kind: "dlp",
            config: {
              detectors: [],
              custom: [{ name: "emp", pattern: "(" }],
              action: "block",
            },
          },
        }),
      ),
    ).toMatchObject({
      code: "BAD_REQUEST",
      appCode: "INVALID_INPUT",
      fieldErrors: {
        "policy.name": [expect.stringMatching(/lowercase letters/)],
        "policy.config.custom.0.pattern": [expect.stringMatching(/^not a valid regular expression/)],
      },
    });
    expect(
      await fieldErrorsOf(
        admin.policies.create({
          policy: { name: "x", kind: "dlp", config: { detectors: [], action: "block" } },
        }),
      ),
    ).toMatchObject({
      fieldErrors: { "policy.config.detectors": ["name at least one detector (or custom pattern)"] },
    });
    expect(
      await fieldErrorsOf(
        admin.policies.create({
          policy: {
            name: "x",
            kind: "rate_limit",
            config: { limits: [{ per: "agent", window: "minute", max: 1_000_000 }] },
          },
        }),
      ),
    ).toMatchObject({
      fieldErrors: { "policy.config.limits.0.max": [expect.stringMatching(/daily quota/)] },
    });
    expect(
      await fieldErrorsOf(
        admin.policies.create({
          policy: {
            name: "x",
            kind: "approval",
            config: { when: { path: "env", matches: "(" }, reason: " " },
          } as never,
        }),
      ),
    ).toMatchObject({ fieldErrors: { "policy.config.reason": [expect.any(String)] } });
    expect(await h.database.db.policy.count({ where: { orgId: h.orgId } })).toBe(0);
  });

  it("names unknown scope entries, and refuses a name another policy (of any kind) has", async () => {
    const admin = await h.as("admin");
    expect(
      await fieldErrorsOf(
        admin.policies.create({
          policy: {
            ...NO_EMAILS,
            // "spies" is the other organization's team: unknown here.
            scope: { teams: ["platform", "spies"], agents: ["ghost"], tools: ["nowhere__x", "bad"] },
          },
        }),
      ),
    ).toEqual({
      code: "BAD_REQUEST",
      appCode: "INVALID_INPUT",
      fieldErrors: {
        "scope.teams.1": ['unknown team "spies"'],
        "scope.agents.0": ['unknown agent "ghost"'],
        "scope.tools.0": ['unknown server "nowhere"'],
        "scope.tools.1": ['name a tool as <server>__<tool>, got "bad"'],
      },
    });

    const { id } = await admin.policies.create({ policy: NO_EMAILS });
    const taken = {
      name: "no-emails",
      kind: "rate_limit" as const,
      config: { limits: [{ per: "agent" as const, window: "day" as const, max: 10 }] },
    };
    expect(await fieldErrorsOf(admin.policies.create({ policy: taken }))).toEqual({
      code: "CONFLICT",
      appCode: "CONFLICT",
      fieldErrors: { name: ['a policy named "no-emails" already exists'] },
    });
    const other = await admin.policies.create({ policy: { ...taken, name: "daily" } });
    expect(
      (await fieldErrorsOf(admin.policies.update({ id: other.id, policy: { ...taken, name: "no-emails" } })))
        .code,
    ).toBe("CONFLICT");
    for (const p of [id, other.id]) await admin.policies.delete({ id: p });
  });
});

describe("policies · security", () => {
  it("lets auditors and approvers read but not write, and members neither", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.policies.create({ policy: NO_EMAILS });
    for (const who of ["auditor", "approver"] as const) {
      const caller = await h.as(who);
      expect((await caller.policies.list()).map((p) => p.id)).toEqual([id]);
      expect((await caller.policies.scopeOptions()).tools.map((t) => t.name)).toEqual([
        "github__create-issue",
        "github__search-issues",
      ]);
      const attempts = [
        () => caller.policies.create({ policy: { ...NO_EMAILS, name: "mine" } }),
        () => caller.policies.update({ id, policy: { ...NO_EMAILS, scope: {} } }),
        () => caller.policies.setEnabled({ id, enabled: false }),
        () => caller.policies.delete({ id }),
      ];
      for (const attempt of attempts) {
        expect(await caught(attempt())).toMatchObject({
          code: "FORBIDDEN",
          message: "not allowed: this needs the 'policies.write' permission",
        });
      }
    }
    const member = await h.as("member");
    expect(await caught(member.policies.list())).toMatchObject({ code: "FORBIDDEN" });
    expect(await caught(member.policies.delete({ id }))).toMatchObject({ code: "FORBIDDEN" });
    const row = await admin.policies.get({ id });
    expect(row).toMatchObject({ name: "no-emails", enabled: true, scope: { teams: [{ name: "platform" }] } });
    await admin.policies.delete({ id });
  });

  it("treats another organization's policy id as unknown", async () => {
    const admin = await h.as("admin");
    const attempts = [
      () => admin.policies.get({ id: ids.theirPolicy }),
      () => admin.policies.update({ id: ids.theirPolicy, policy: NO_EMAILS }),
      () => admin.policies.setEnabled({ id: ids.theirPolicy, enabled: false }),
      () => admin.policies.delete({ id: ids.theirPolicy }),
    ];
    for (const attempt of attempts) expect((await caught(attempt())).code).toBe("NOT_FOUND");
    expect(await admin.policies.list()).toEqual([]);
    const theirs = await h.database.db.policy.findUniqueOrThrow({ where: { id: ids.theirPolicy } });
    expect(theirs).toMatchObject({ name: "their-dlp", enabled: true });
  });
});

describe("policies · parity with the apply file", () => {
  const FILE = `
organization: acme
servers: [{ name: github, transport: stdio, command: "true" }]
teams: [{ name: platform }, { name: data }]
agents: [{ name: ci-bot, team: platform }, { name: etl, team: data }]
policies:
  - name: no-emails
    kind: dlp
    scope: { tools: [github__create-issue], teams: [platform] }
    config: { detectors: [email], action: block, direction: arguments }
  - name: from-the-file
    kind: rate_limit
    priority: 7
    scope: { agents: [etl] }
    config:
      onRedisDown: closed
      limits: [{ per: agent, window: minute, max: 1 }]
`;
  const apply = (dryRun: boolean) =>
    applyConfig(h.database.db, parseConfigText(FILE, "portcullis.yaml"), {
      actor: { type: "cli", name: "test" },
      env: {},
      secretKey: h.secretKey,
      dryRun,
    });

  it("a console policy applied from a file plans no change; a file policy shows in the console", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.policies.create({ policy: NO_EMAILS });

    const dry = await apply(true);
    expect(dry.filter((c) => c.kind === "policy")).toEqual([
      { action: "create", kind: "policy", name: "from-the-file" },
    ]);
    await apply(false);

    const listed = await admin.policies.list();
    expect(listed.map((p) => p.name)).toEqual(["from-the-file", "no-emails"]);
    expect(listed[1]?.id).toBe(id);
    const etl = await h.database.db.agent.findFirstOrThrow({ where: { orgId: h.orgId, name: "etl" } });
    expect(listed[0]).toMatchObject({
      kind: "rate_limit",
      enabled: true,
      priority: 7,
      scope: { teams: [], agents: [{ ref: etl.id, name: "etl" }], servers: [], tools: [] },
      config: { onRedisDown: "closed", limits: [{ per: "agent", window: "minute", max: 1 }] },
      createdBy: "test",
    });

    // Saving the file's policy unchanged from the console changes nothing either way.
    const asEntry = {
      name: "from-the-file",
      kind: "rate_limit" as const,
      priority: 7,
      scope: { agents: ["etl"] },
      config: listed[0]!.config as never,
    };
    expect((await admin.policies.update({ id: listed[0]!.id, policy: asEntry })).changed).toEqual([]);
    expect((await apply(true)).filter((c) => c.kind === "policy")).toEqual([]);

    // A console edit is a change the next apply of the same file reverts, naming the field.
    await admin.policies.setEnabled({ id, enabled: false });
    expect((await apply(true)).filter((c) => c.kind === "policy")).toEqual([
      { action: "update", kind: "policy", name: "no-emails", fields: ["enabled"] },
    ]);
  });
});
