import { secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTeamWebhook } from "../approvals/set-team-webhook";
import { openTeamWebhook } from "../approvals/team-webhook";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// Issue 3 parity: a team's approval webhook is set by the console and by the apply file alike,
// sealed at rest, and never shown beyond its host.
const secretKey = secretKeyFrom("apply-webhooks-test-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
const HOOK = "https://hooks.slack.example/services/T000/B000/s3cr3t-path-1";
const HOOK2 = "https://hooks.slack.example/services/T000/B000/s3cr3t-path-2";
let database: TestDatabase;

const file = (webhook: string) => `
organization: acme
teams:
  - name: platform
${webhook}
`;
const apply = (text: string, opts: { env?: Record<string, string>; dryRun?: boolean; key?: Buffer } = {}) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), {
    actor,
    env: opts.env ?? {},
    secretKey: opts.key ?? secretKey,
    ...(opts.dryRun !== undefined && { dryRun: opts.dryRun }),
  });
const team = () => database.db.team.findFirstOrThrow({ where: { name: "platform" } });
const webhookAudits = async () =>
  (
    await database.db.adminAuditLog.findMany({
      where: { action: { startsWith: "team.webhook" } },
      orderBy: { createdAt: "asc" },
    })
  ).map((a) => ({ action: a.action, details: a.details }));
const WEBHOOK_CHANGE = { action: "update", kind: "team", name: "platform", fields: ["webhook"] };

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_webhooks" });
});
afterAll(async () => {
  await database?.drop();
});

describe("apply · team webhooks", () => {
  it("creates a team with its webhook from the environment, sealed, and re-applying changes nothing", async () => {
    const text = file("    webhook: { env: PLATFORM_HOOK }");
    const env = { PLATFORM_HOOK: HOOK };
    const dry = await apply(text, { env, dryRun: true });
    expect(dry).toEqual([
      { action: "create", kind: "organization", name: "acme" },
      { action: "create", kind: "team", name: "platform" },
      WEBHOOK_CHANGE,
    ]);
    expect(await apply(text, { env })).toEqual(dry);

    const row = await team();
    expect(row.webhookHost).toBe("hooks.slack.example");
    expect(row.webhookUrl).toBeNull();
    // The row holds no part of the URL's secret path, only its sealed form and host.
    expect(JSON.stringify(row)).not.toContain("s3cr3t");
    expect(openTeamWebhook(row, secretKey)).toBe(HOOK);

    expect(await webhookAudits()).toEqual([
      {
        action: "team.webhook_set",
        details: { team: "platform", webhookHost: "hooks.slack.example", source: "apply" },
      },
    ]);
    const everything = await database.db.adminAuditLog.findMany();
    expect(
      JSON.stringify(everything, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ).not.toContain("s3cr3t");

    expect(await apply(text, { env, dryRun: true })).toEqual([]);
    expect(await apply(text, { env })).toEqual([]);
  });

  it("updates a changed URL, agrees with one the console set, and clears it when removed from the file", async () => {
    const literal = file(`    webhook: ${HOOK2}`);
    const plan = await apply(literal);
    expect(plan).toEqual([WEBHOOK_CHANGE]);
    expect(JSON.stringify(plan)).not.toContain("s3cr3t");
    expect(openTeamWebhook(await team(), secretKey)).toBe(HOOK2);

    // The console sets the file's URL again: sealed anew, still no change for the file.
    const { id: orgId } = await database.db.organization.findUniqueOrThrow({ where: { slug: "acme" } });
    await setTeamWebhook(database.db, {
      orgId,
      teamId: (await team()).id,
      url: HOOK2,
      actor: { type: "user", id: "usr_x", name: "admin@example.com" },
      secretKey,
    });
    expect(await apply(literal)).toEqual([]);

    // Another PORTCULLIS_SECRET_KEY cannot open it: resealed under the current one.
    const otherKey = secretKeyFrom("another-secret-key-for-the-webhook-test-0001");
    expect(await apply(literal, { key: otherKey })).toEqual([WEBHOOK_CHANGE]);
    expect(openTeamWebhook(await team(), otherKey)).toBe(HOOK2);
    expect(await apply(literal, { key: otherKey })).toEqual([]);

    const before = (await webhookAudits()).length;
    expect(await apply(file(""))).toEqual([WEBHOOK_CHANGE]);
    const row = await team();
    expect([row.webhookSecret, row.webhookHost, row.webhookUrl]).toEqual([null, null, null]);
    expect((await webhookAudits()).slice(before)).toEqual([
      {
        action: "team.webhook_clear",
        details: { team: "platform", webhookHost: null, source: "apply" },
      },
    ]);
    expect(await apply(file(""))).toEqual([]);
  });

  it("seals a plaintext URL left by an older installation, which keeps working until then", async () => {
    const { id } = await team();
    await database.db.team.update({ where: { id }, data: { webhookUrl: HOOK } });
    expect(openTeamWebhook(await team(), undefined)).toBe(HOOK);
    expect(await apply(file(`    webhook: ${HOOK}`))).toEqual([WEBHOOK_CHANGE]);
    const row = await team();
    expect(row.webhookUrl).toBeNull();
    expect(JSON.stringify(row)).not.toContain("s3cr3t");
    expect(openTeamWebhook(row, secretKey)).toBe(HOOK);
    expect(() => openTeamWebhook(row, undefined)).toThrow(
      /for hooks\.slack\.example is sealed and PORTCULLIS_SECRET_KEY is not set/,
    );
  });

  it("refuses a URL the console refuses and an unset variable, naming the field, and writes nothing", async () => {
    const audits = await database.db.adminAuditLog.count();
    const error = await apply(
      `
organization: acme
teams:
  - { name: platform, webhook: "ftp://hooks.example/x" }
  - { name: data, webhook: { env: DATA_HOOK } }
  - { name: ops, webhook: "" }
`,
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("INVALID_INPUT");
    expect((error as Error).message).toBe(
      "invalid config file:\n" +
        "  teams[0].webhook: the webhook must be an http(s) URL\n" +
        "  teams[1].webhook: environment variable DATA_HOOK is not set\n" +
        "  teams[2].webhook: the webhook must be an http(s) URL",
    );
    expect(await database.db.adminAuditLog.count()).toBe(audits);
    expect(await database.db.team.count()).toBe(1);
  });
});
