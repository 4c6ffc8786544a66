import { secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { applyConfig } from "@portcullis/control/apply/apply-config";
import { parseConfigText } from "@portcullis/control/apply/load-config-file";
import { setGrant } from "@portcullis/control/grants/set-grant";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorData } from "../../errors";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

// Issue 4: an `approve` grant may hold only the calls whose arguments match a condition.
// Console (grants.set), apply file and preview must agree on it.
let h: ApiHarness;
const ids = {} as {
  platform: string;
  ciBot: string;
  deployBot: string;
  ops: string;
  theirTeam: string;
  theirServer: string;
};

const PROD = { path: "env", in: ["prod", "production"] };
/** The same condition with its keys in another order: must never count as a change. */
const PROD_REORDERED = { in: ["prod", "production"], path: "env" };

beforeAll(async () => {
  h = await startApiHarness("grant_conditions");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const deployBot = await db.agent.create({
    data: { id: newId("agent"), orgId: h.orgId, teamId: platform.teamId, name: "deploy-bot" },
  });
  const ops = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "ops",
    tools: [{ name: "status", readOnly: true }, "deploy", "drop-db"],
  });
  const theirs = await seedTeamWithAgent(db, { orgId: h.otherOrgId, team: "platform", agent: "ci-bot" });
  const theirServer = await seedServerWithTools(db, { orgId: h.otherOrgId, name: "ops", tools: ["deploy"] });
  Object.assign(ids, {
    platform: platform.teamId,
    ciBot: platform.agentId!,
    deployBot: deployBot.id,
    ops: ops.serverId,
    theirTeam: theirs.teamId,
    theirServer: theirServer.serverId,
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

const deployGrant = (extra: Record<string, unknown> = {}) => ({
  subject: { type: "agent" as const, id: ids.ciBot },
  serverId: ids.ops,
  toolPattern: "deploy",
  effect: "approve" as const,
  ...extra,
});

describe("grant conditions · happy path", () => {
  it("sets, keeps (whatever the key order) and clears a condition; audit and snapshot follow", async () => {
    const admin = await h.as("admin");
    const created = await admin.grants.set(deployGrant({ condition: PROD, reason: "prod deploys" }));
    expect(created.action).toBe("create");

    const listed = (await admin.grants.list({ serverId: ids.ops })).find((g) => g.id === created.id);
    expect(listed).toMatchObject({ effect: "approve", condition: PROD, reason: "prod deploys" });
    let served = await servedSnapshot(h.redis, h.names());
    expect(served.grants.find((g) => g.id === created.id)?.condition).toEqual(PROD);

    const same = await admin.grants.set(deployGrant({ condition: PROD_REORDERED, reason: "prod deploys" }));
    expect(same).toEqual({ id: created.id, action: "none" });

    const narrowed = {
      any: [
        { path: "env", equals: "prod" },
        { path: "force", exists: true },
      ],
    };
    expect(
      (await admin.grants.set(deployGrant({ condition: narrowed, reason: "prod deploys" }))).action,
    ).toBe("update");
    // The console sends the whole grant: no condition means none (every call waits).
    expect((await admin.grants.set(deployGrant({ condition: null, reason: "prod deploys" }))).action).toBe(
      "update",
    );
    expect(
      (await admin.grants.list({ serverId: ids.ops })).find((g) => g.id === created.id)?.condition,
    ).toBeNull();
    served = await servedSnapshot(h.redis, h.names());
    expect(served.grants.find((g) => g.id === created.id)).not.toHaveProperty("condition");

    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: created.id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual(["grant.create", "grant.update", "grant.update"]);
    expect(audit[0]!.details).toMatchObject({ effect: "approve", condition: PROD });
    expect(audit[1]!.details).toMatchObject({
      fields: ["condition"],
      changes: { condition: { from: PROD, to: narrowed } },
    });
    expect(audit[2]!.details).toMatchObject({ changes: { condition: { from: narrowed, to: null } } });
    await admin.grants.delete({ id: created.id });
  });

  it("previews conditional, unconditional and policy-based approval as the gateway decides it", async () => {
    const admin = await h.as("admin");
    const conditional = await admin.grants.set(
      deployGrant({ condition: PROD, approvalTimeoutSec: 900, reason: "prod deploys need a human" }),
    );
    const always = await admin.grants.set(deployGrant({ toolPattern: "drop-*" }));
    await admin.grants.set(deployGrant({ toolPattern: "status", effect: "allow" }));

    const preview = await admin.grants.preview({ agentId: ids.ciBot });
    const byName = Object.fromEntries(preview.map((p) => [p.exposedName, p.approval]));
    expect(byName).toEqual({
      ops__deploy: {
        mode: "conditional",
        source: { type: "grant", id: conditional.id, name: null },
        reason: "prod deploys need a human",
        timeoutSec: 900,
        when: 'env is one of "prod", "production"',
      },
      "ops__drop-db": {
        mode: "always",
        source: { type: "grant", id: always.id, name: null },
        reason: "calls to 'ops__drop-db' require approval",
        timeoutSec: 600,
        when: null,
      },
      ops__status: { mode: "never" },
    });

    // An approval policy on a risk class holds an allowed tool too; the preview names it.
    const team = { type: "team" as const, id: ids.platform };
    await admin.grants.set({ subject: team, serverId: ids.ops, toolPattern: "*", effect: "allow" });
    const policyId = newId("policy");
    await h.database.db.policy.create({
      data: {
        id: policyId,
        orgId: h.orgId,
        name: "destructive-in-prod",
        kind: "approval",
        scope: { agents: [ids.deployBot] },
        config: {
          riskClasses: ["destructive"],
          when: { path: "env", equals: "prod" },
          reason: "Destructive calls in prod need a second pair of eyes",
        },
      },
    });
    try {
      const deployBot = await admin.grants.preview({ agentId: ids.deployBot });
      expect(Object.fromEntries(deployBot.map((p) => [p.exposedName, p.approval]))).toEqual({
        ops__deploy: {
          mode: "conditional",
          source: { type: "policy", id: policyId, name: "destructive-in-prod" },
          reason: "Destructive calls in prod need a second pair of eyes",
          timeoutSec: 600,
          when: 'env is "prod"',
        },
        "ops__drop-db": expect.objectContaining({
          mode: "conditional",
          source: expect.objectContaining({ type: "policy" }),
        }),
        ops__status: { mode: "never" },
      });
      expect(deployBot.every((p) => p.effect === "allow")).toBe(true);
    } finally {
      await h.database.db.policy.delete({ where: { id: policyId } });
      for (const g of await admin.grants.list({ serverId: ids.ops })) await admin.grants.delete({ id: g.id });
    }
  });
});

describe("grant conditions · errors and security", () => {
  it("refuses a condition the schema refuses, naming the field, and writes nothing", async () => {
    const admin = await h.as("admin");
    const before = await h.database.db.grant.count();
    const empty = await caught(admin.grants.set(deployGrant({ condition: { path: "env", in: [] } })));
    expect(empty.code).toBe("BAD_REQUEST");
    expect(errorData(empty)).toMatchObject({
      appCode: "INVALID_INPUT",
      fieldErrors: { "condition.in": [expect.stringMatching(/>=1/)] },
    });
    const regex = await caught(
      admin.grants.set(deployGrant({ condition: { all: [{ path: "cmd", matches: "(" }] } })),
    );
    expect(errorData(regex).fieldErrors).toEqual({
      "condition.all.0.matches": [expect.stringMatching(/^not a valid RE2 regular expression/)],
    });
    expect(await h.database.db.grant.count()).toBe(before);
  });

  it("refuses a condition on allow and deny grants: the gateway would ignore it", async () => {
    const admin = await h.as("admin");
    for (const effect of ["allow", "deny"] as const) {
      const error = await caught(admin.grants.set(deployGrant({ effect, condition: PROD })));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(/^condition: a condition only applies to grants with effect approve/);
      expect(errorData(error)).toMatchObject({
        appCode: "INVALID_INPUT",
        fieldErrors: { condition: [error.message] },
      });
    }
    expect(await h.database.db.grant.count({ where: { serverId: ids.ops, toolPattern: "deploy" } })).toBe(0);
  });

  it("checks the condition in the use case too, for callers other than the console", async () => {
    const error = await setGrant(h.database.db, {
      orgId: h.orgId,
      actor: { type: "cli", name: "test" },
      grant: { ...deployGrant(), condition: { path: "env", in: [] } as never },
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("INVALID_INPUT");
    expect((error as Error).message).toMatch(/^invalid condition: condition\.in: /);
    expect(isAppError(error) && error.details).toEqual({
      fieldErrors: { "condition.in": [expect.stringMatching(/>=1/)] },
    });
  });

  it("lets no approver, auditor or member set a condition; another organization's ids are missing", async () => {
    for (const person of ["approver", "auditor", "member"] as const) {
      const error = await caught((await h.as(person)).grants.set(deployGrant({ condition: PROD })));
      expect(error.code).toBe("FORBIDDEN");
    }
    const admin = await h.as("admin");
    const theirs = await caught(
      admin.grants.set(deployGrant({ serverId: ids.theirServer, condition: PROD })),
    );
    expect(theirs.code).toBe("NOT_FOUND");
    const theirTeam = await caught(
      admin.grants.set(deployGrant({ subject: { type: "team", id: ids.theirTeam }, condition: PROD })),
    );
    expect(theirTeam.code).toBe("NOT_FOUND");
    expect(await h.database.db.grant.count({ where: { toolPattern: "deploy", effect: "approve" } })).toBe(0);
  });
});

describe("grant conditions · console and apply file agree", () => {
  const secretKey = secretKeyFrom("grant-conditions-test-secret-0123456789ab");
  // The installation the seed made, as a file (the file is the whole truth for what it names).
  const file = (condition: string) => `
organization: acme
servers: [{ name: ops, transport: stdio, command: "true" }]
teams: [{ name: platform }]
agents: [{ name: ci-bot, team: platform }, { name: deploy-bot, team: platform }]
grants:
  - agent: ci-bot
    server: ops
    tools: [deploy]
    effect: approve
    reason: prod deploys
${condition}
`;
  const apply = (text: string, dryRun = false) =>
    applyConfig(h.database.db, parseConfigText(text, "portcullis.yaml"), {
      actor: { type: "cli", name: "test" },
      env: {},
      secretKey,
      dryRun,
    });

  it("a grant set in the console with a condition is what the file says: applying changes nothing", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.grants.set(deployGrant({ condition: PROD, reason: "prod deploys" }));
    const sameCondition = "    condition: { in: [prod, production], path: env }";
    expect(await apply(file(sameCondition), true)).toEqual([]);
    expect(await apply(file(sameCondition))).toEqual([]);

    // The file changes it; the console then sees the file's condition, and setting that is a no-op.
    const devToo = "    condition: { path: env, in: [prod, dev] }";
    expect(await apply(file(devToo))).toEqual([
      { action: "update", kind: "grant", name: "agent:ci-bot/ops/deploy", fields: ["condition"] },
    ]);
    const listed = (await admin.grants.list({ serverId: ids.ops })).find((g) => g.id === id)!;
    expect(listed.condition).toEqual({ path: "env", in: ["prod", "dev"] });
    expect(
      await admin.grants.set(deployGrant({ condition: listed.condition, reason: listed.reason })),
    ).toEqual({ id, action: "none" });

    // Removed from the file: removed from the grant (every call waits again).
    expect(await apply(file(""))).toEqual([
      { action: "update", kind: "grant", name: "agent:ci-bot/ops/deploy", fields: ["condition"] },
    ]);
    const row = await h.database.db.grant.findUniqueOrThrow({ where: { id } });
    expect(row.condition).toBeNull();
    expect(await apply(file(""))).toEqual([]);
    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id, action: "grant.update" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.at(-1)!.details).toMatchObject({
      source: "apply",
      changes: { condition: { from: { path: "env", in: ["prod", "dev"] }, to: null } },
    });
  });
});

// One rule for a grant's approval timeout, in the console and the file: 1..7 days, approve only.
describe("grant approval timeout · console and apply file agree", () => {
  const secretKey = secretKeyFrom("grant-timeouts-test-secret-0123456789abcdef");
  // parseConfigText refuses what the schema refuses (with the line), applyConfig the rest.
  const apply = (grant: string) =>
    Promise.resolve()
      .then(() =>
        applyConfig(
          h.database.db,
          parseConfigText(
            `
organization: acme
servers: [{ name: ops, transport: stdio, command: "true" }]
teams: [{ name: platform }]
agents: [{ name: ci-bot, team: platform }, { name: deploy-bot, team: platform }]
grants:
  - { agent: ci-bot, server: ops, tools: [deploy], ${grant} }
`,
            "portcullis.yaml",
          ),
          { actor: { type: "cli", name: "test" }, env: {}, secretKey, dryRun: true },
        ),
      )
      .catch((e: unknown) => e as Error);
  const refusal = async (grant: string): Promise<Error> => {
    const outcome = await apply(grant);
    if (outcome instanceof Error) return outcome;
    throw new Error(`applied: ${JSON.stringify(outcome)}`);
  };

  it("accepts up to 7 days on an approve grant, in both", async () => {
    const admin = await h.as("admin");
    const week = 7 * 24 * 3600;
    const { id } = await admin.grants.set(deployGrant({ approvalTimeoutSec: week }));
    expect(
      (await admin.grants.list({ serverId: ids.ops })).find((g) => g.id === id)?.approvalTimeoutSec,
    ).toBe(week);
    expect(await apply(`effect: approve, approvalTimeoutSec: ${week}`)).toEqual([]);
    await admin.grants.delete({ id });
  });

  it("refuses a timeout above 7 days or below 1 second at the field, in both", async () => {
    const admin = await h.as("admin");
    for (const value of [7 * 24 * 3600 + 1, 0]) {
      const error = await caught(admin.grants.set(deployGrant({ approvalTimeoutSec: value })));
      expect(error.code).toBe("BAD_REQUEST");
      expect(errorData(error).fieldErrors).toEqual({
        approvalTimeoutSec: [value === 0 ? "at least 1 second" : "at most 604800 seconds (7 days)"],
      });
    }
    expect((await refusal("effect: approve, approvalTimeoutSec: 604801")).message).toBe(
      "invalid config file:\n  portcullis.yaml:7: grants[0].approvalTimeoutSec: at most 604800 seconds (7 days)",
    );
    expect(await h.database.db.grant.count({ where: { serverId: ids.ops, toolPattern: "deploy" } })).toBe(0);
  });

  it("refuses a timeout on allow and deny grants, as a condition is refused", async () => {
    const admin = await h.as("admin");
    for (const effect of ["allow", "deny"] as const) {
      const error = await caught(admin.grants.set(deployGrant({ effect, approvalTimeoutSec: 300 })));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(
        /^approvalTimeoutSec: an approval timeout only applies to grants with effect approve/,
      );
      expect(errorData(error)).toMatchObject({
        appCode: "INVALID_INPUT",
        fieldErrors: { approvalTimeoutSec: [error.message] },
      });
      expect((await refusal(`effect: ${effect}, approvalTimeoutSec: 300`)).message).toMatch(
        /^invalid config file:\n {2}portcullis\.yaml:7: grants\[0\]\.approvalTimeoutSec: an approval timeout only applies to grants with effect approve/,
      );
    }
    // The file's default effect is allow: a timeout alone is refused too.
    expect((await refusal("approvalTimeoutSec: 300")).message).toMatch(
      /grants\[0\]\.approvalTimeoutSec: an approval/,
    );
    // The use case checks it for callers other than the console.
    const direct = await setGrant(h.database.db, {
      orgId: h.orgId,
      actor: { type: "cli", name: "test" },
      grant: { ...deployGrant(), effect: "allow", approvalTimeoutSec: 300 },
    }).catch((e: unknown) => e);
    expect(isAppError(direct) && direct.details).toEqual({ field: "approvalTimeoutSec" });
    const tooLong = await setGrant(h.database.db, {
      orgId: h.orgId,
      actor: { type: "cli", name: "test" },
      grant: { ...deployGrant(), approvalTimeoutSec: 10 ** 7 },
    }).catch((e: unknown) => e);
    expect((tooLong as Error).message).toBe("approvalTimeoutSec: at most 604800 seconds (7 days)");
    expect(await h.database.db.grant.count({ where: { serverId: ids.ops, toolPattern: "deploy" } })).toBe(0);
  });
});
