import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type Db, Prisma } from "./client";
import { migrate } from "./migrate";

/**
 * Proves prisma/migrations and prisma/schema.prisma describe the same database: on a database
 * built only by the migrations, the generated client (which knows only schema.prisma) writes
 * every scalar field of every model, reads it back with every relation, updates and deletes.
 * A column, type, enum value, default or foreign key missing from the SQL makes it fail, and
 * so does a model added to the schema without a fixture here.
 */

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgres://postgres@127.0.0.1:5432";
const databaseName = `pc_test_parity_${randomBytes(6).toString("hex")}`;
let db: Db;

beforeAll(async () => {
  const url = new URL(BASE_URL);
  url.pathname = `/${databaseName}`;
  await migrate(url.toString());
  db = createDb(url.toString(), { max: 2 });
});

afterAll(async () => {
  await db?.$disconnect();
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(BASE_URL), { pathname: "/postgres" }).toString(),
  });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName)} WITH (FORCE)`);
  await admin.end();
});

type Row = Record<string, unknown>;
interface Fixture {
  model: Prisma.ModelName;
  /** Rows to create, together setting every scalar field (Grant needs two: team XOR agent). */
  rows: Row[];
  /** A change to apply to the first row. */
  update: Row;
}

/** The smallest surface of a model delegate this test uses, so one loop serves every model. */
interface Delegate {
  create(args: { data: Row }): Promise<Row>;
  findUniqueOrThrow(args: { where: Row; include?: Row }): Promise<Row>;
  update(args: { where: Row; data: Row }): Promise<Row>;
  delete(args: { where: Row }): Promise<Row>;
  count(args?: { where?: Row }): Promise<number>;
}

function delegate(client: Db, model: Prisma.ModelName): Delegate {
  const property = model.charAt(0).toLowerCase() + model.slice(1);
  return (client as unknown as Record<string, Delegate>)[property]!;
}

function keyOf(model: Prisma.ModelName, row: Row): Row {
  const pick = (...fields: string[]) => Object.fromEntries(fields.map((f) => [f, row[f]]));
  if (model === "AuditRollup")
    return {
      orgId_bucketSeconds_dim_start_portal_key: pick(
        "orgId",
        "bucketSeconds",
        "dim",
        "start",
        "portal",
        "key",
      ),
    };
  if (model === "AuditRollupLatency")
    return {
      orgId_bucketSeconds_serverId_start_portal_latencyMs: pick(
        "orgId",
        "bucketSeconds",
        "serverId",
        "start",
        "portal",
        "latencyMs",
      ),
    };
  if (model === "AuditRollupWatermark") return { orgId: row.orgId };
  return model === "ConfigSnapshot" ? { version: row.version } : { id: row.id };
}

/**
 * Relation fields of a model, from the client's runtime data model. Prisma 7 has no public
 * DMMF at runtime; this internal property is what the client itself routes includes with.
 */
function relationFields(client: Db, model: Prisma.ModelName): { name: string; type: string }[] {
  const dataModel = (client as unknown as { _runtimeDataModel?: RuntimeDataModel })._runtimeDataModel;
  const fields = dataModel?.models[model]?.fields;
  if (!fields) throw new Error("The Prisma client no longer exposes _runtimeDataModel: update this test");
  return fields.filter((field) => field.kind === "object");
}
interface RuntimeDataModel {
  models: Record<string, { fields: { name: string; kind: string; type: string }[] }>;
}

function scalarFields(model: Prisma.ModelName): string[] {
  const enumName = `${model}ScalarFieldEnum` as keyof typeof Prisma;
  return Object.values(Prisma[enumName] as Record<string, string>);
}

const t = (iso: string) => new Date(`2026-${iso}Z`);

/** Every model, in an order that satisfies foreign keys. `s` keeps unique values unique. */
function fixtures(s: string): Fixture[] {
  const org = `org_${s}`;
  const user = `usr_${s}`;
  const team = `team_${s}`;
  const agent = `agt_${s}`;
  const server = `srv_${s}`;
  return [
    {
      model: "Organization",
      rows: [
        {
          id: org,
          name: "Acme",
          slug: `acme-${s}`,
          autoJoinDomains: ["acme.test", "acme.example"],
          createdAt: t("01-02T03:04:05.678"),
          updatedAt: t("01-02T03:04:05.678"),
        } satisfies Prisma.OrganizationUncheckedCreateInput,
      ],
      update: { name: "Acme Corp" },
    },
    {
      model: "User",
      rows: [
        {
          id: user,
          email: `ada-${s}@acme.test`,
          name: "Ada",
          image: "https://acme.test/ada.png",
          emailVerified: t("01-03T00:00:00.001"),
          createdAt: t("01-03T00:00:00.000"),
          updatedAt: t("01-03T00:00:00.000"),
        } satisfies Prisma.UserUncheckedCreateInput,
      ],
      update: { name: "Ada L." },
    },
    {
      model: "Account",
      rows: [
        {
          id: `acc_${s}`,
          userId: user,
          type: "oidc",
          provider: "dev-idp",
          issuer: "https://idp.example.test",
          providerAccountId: `sub-${s}`,
          refreshToken: "rt",
          accessToken: "at",
          expiresAt: 1_900_000_000,
          tokenType: "Bearer",
          scope: "openid email",
          idToken: "idt",
          sessionState: "st",
        } satisfies Prisma.AccountUncheckedCreateInput,
      ],
      update: { scope: "openid email profile" },
    },
    {
      model: "Membership",
      rows: [
        {
          id: `mem_${s}`,
          orgId: org,
          userId: user,
          role: "admin",
          suspendedAt: t("01-05T00:00:00.000"),
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.MembershipUncheckedCreateInput,
      ],
      update: { role: "approver" },
    },
    {
      model: "Invitation",
      rows: [
        {
          id: `inv_${s}`,
          orgId: org,
          email: "bob@acme.test",
          role: "auditor",
          tokenHash: `th-${s}`,
          invitedBy: user,
          expiresAt: t("02-01T00:00:00.000"),
          acceptedAt: t("01-05T00:00:00.000"),
          createdAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.InvitationUncheckedCreateInput,
      ],
      update: { role: "owner" },
    },
    {
      model: "Team",
      rows: [
        {
          id: team,
          orgId: org,
          name: "Platform",
          description: "Runs the platform",
          webhookSecret: "v1.iv.tag.sealed-url",
          webhookHost: "hooks.acme.test",
          webhookUrl: "https://hooks.acme.test/platform",
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.TeamUncheckedCreateInput,
      ],
      update: { description: "Runs everything" },
    },
    {
      model: "TeamMember",
      rows: [
        {
          id: `tm_${s}`,
          teamId: team,
          userId: user,
          createdAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.TeamMemberUncheckedCreateInput,
      ],
      update: { createdAt: t("01-06T00:00:00.000") },
    },
    {
      model: "Agent",
      rows: [
        {
          id: agent,
          orgId: org,
          teamId: team,
          name: "ci-bot",
          description: "Runs in CI",
          status: "disabled",
          exposure: "code",
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.AgentUncheckedCreateInput,
      ],
      update: { status: "active" },
    },
    {
      model: "ApiKey",
      rows: [
        {
          id: `key_${s}`,
          orgId: org,
          agentId: agent,
          name: "ci",
          prefix: "pcs_3kF9a",
          hash: `hash-${s}`,
          createdBy: user,
          lastUsedAt: t("01-07T00:00:00.000"),
          expiresAt: t("12-31T00:00:00.000"),
          revokedAt: t("01-08T00:00:00.000"),
          createdAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.ApiKeyUncheckedCreateInput,
      ],
      update: { revokedAt: null },
    },
    {
      model: "Server",
      rows: [
        {
          id: server,
          orgId: org,
          name: "github",
          description: "GitHub MCP",
          transport: "stdio",
          url: "https://mcp.acme.test/github",
          command: "npx",
          args: ["-y", "@modelcontextprotocol/server-github"],
          env: { LOG_LEVEL: "debug", nested: { on: true } },
          secrets: "v1.sealed",
          network: false,
          allowElicitation: false,
          allowSampling: true,
          trustNewTools: true,
          timeoutMs: 12_000,
          status: "disabled",
          health: "unhealthy",
          lastError: "connect ECONNREFUSED",
          lastSyncAt: t("01-09T00:00:00.000"),
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.ServerUncheckedCreateInput,
      ],
      update: { health: "healthy", args: [] },
    },
    {
      model: "Tool",
      rows: [
        {
          id: `tool_${s}`,
          orgId: org,
          serverId: server,
          upstreamName: "create_issue",
          exposedName: "github__create_issue",
          title: "Create issue",
          description: "Opens an issue",
          inputSchema: { type: "object", properties: { title: { type: "string" } } },
          outputSchema: { type: "object" },
          annotations: { destructiveHint: false, readOnlyHint: false },
          execution: { taskSupport: "optional" },
          uiResourceUri: "ui://github/panel",
          riskClass: "destructive",
          riskOverride: "read",
          definitionHash: "def",
          approvedHash: "appr",
          approvedDefinition: { name: "create_issue", description: "Opens an issue" },
          status: "quarantined",
          flags: ["definition_changed", "new"],
          firstSeenAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.ToolUncheckedCreateInput,
      ],
      update: { status: "removed", flags: ["gone"] },
    },
    {
      model: "Grant",
      rows: [
        {
          id: `grt_agent_${s}`,
          orgId: org,
          agentId: agent,
          serverId: server,
          toolPattern: "get-*",
          effect: "approve",
          condition: { arg: "repo", op: "eq", value: "acme/site" },
          approvalTimeoutSec: 600,
          reason: "CI reads issues",
          createdBy: user,
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.GrantUncheckedCreateInput,
        {
          id: `grt_team_${s}`,
          orgId: org,
          teamId: team,
          serverId: server,
          toolPattern: "*",
          effect: "deny",
        } satisfies Prisma.GrantUncheckedCreateInput,
        {
          id: `grt_user_${s}`,
          orgId: org,
          userId: user,
          serverId: server,
          toolPattern: "list-*",
          effect: "allow",
        } satisfies Prisma.GrantUncheckedCreateInput,
      ],
      update: { effect: "allow" },
    },
    {
      model: "ItemGrant",
      rows: [
        {
          id: `igr_agent_${s}`,
          orgId: org,
          agentId: agent,
          serverId: server,
          kind: "resource",
          pattern: "docs://public/*",
          effect: "allow",
          reason: "CI reads the docs",
          createdBy: user,
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.ItemGrantUncheckedCreateInput,
        {
          id: `igr_team_${s}`,
          orgId: org,
          teamId: team,
          serverId: server,
          kind: "prompt",
          pattern: "*",
          effect: "deny",
        } satisfies Prisma.ItemGrantUncheckedCreateInput,
        {
          id: `igr_user_${s}`,
          orgId: org,
          userId: user,
          serverId: server,
          kind: "resource",
          pattern: "docs://mine/*",
          effect: "allow",
        } satisfies Prisma.ItemGrantUncheckedCreateInput,
      ],
      update: { effect: "allow" },
    },
    {
      model: "Policy",
      rows: [
        {
          id: `pol_${s}`,
          orgId: org,
          name: "No secrets out",
          kind: "rate_limit",
          enabled: false,
          priority: 5,
          scope: { teams: [team] },
          config: { perMinute: 60 },
          createdBy: user,
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.PolicyUncheckedCreateInput,
      ],
      update: { enabled: true, config: { perMinute: 30 } },
    },
    {
      model: "Portal",
      rows: [
        {
          id: `ptl_${s}`,
          orgId: org,
          name: "conformance",
          description: "one server, its own names",
          tools: [{ serverId: "srv_x", tools: ["*"] }],
          naming: "bare",
          exposure: "search",
          overrides: [{ serverId: "srv_x", tool: "echo", name: "say" }],
          createdBy: user,
          createdAt: t("01-04T00:00:00.000"),
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.PortalUncheckedCreateInput,
      ],
      update: { naming: "prefixed" },
    },
    {
      model: "ApprovalRequest",
      rows: [
        {
          id: `apr_${s}`,
          orgId: org,
          agentId: agent,
          clientId: "https://client.example/mcp.json",
          clientName: "Example client",
          teamId: team,
          teamIds: [team],
          onBehalfOf: user,
          serverId: server,
          toolName: "github__create_issue",
          arguments: { title: "Bump deps" },
          argumentsHash: "argh",
          riskClass: "write",
          reason: "Needs a human",
          status: "executed",
          requestId: `req_${s}`,
          requestedAt: t("01-10T00:00:00.000"),
          expiresAt: t("01-10T00:10:00.000"),
          decidedAt: t("01-10T00:01:00.000"),
          decidedById: user,
          comment: "ok",
        } satisfies Prisma.ApprovalRequestUncheckedCreateInput,
      ],
      update: { status: "denied" },
    },
    {
      model: "AuditEvent",
      rows: [
        {
          id: `evt_${s}`,
          orgId: org,
          occurredAt: t("01-10T00:00:01.234"),
          ingestedAt: t("01-10T00:00:02.000"),
          requestId: `req_${s}`,
          method: "tools/call",
          agentId: agent,
          agentName: "ci-bot",
          teamId: team,
          userId: user,
          serverId: server,
          serverName: "github",
          toolName: "github__create_issue",
          decision: "allowed",
          reason: "grant",
          errorCode: -32003,
          arguments: { title: "Bump deps" },
          resultSummary: "created #42",
          isError: true,
          latencyMs: 12.5,
          upstreamLatencyMs: 10.25,
          upstreamStatus: "200",
          protocolVersion: "2025-06-18",
          dlp: { findings: [{ detector: "email", count: 1 }] },
          approvalId: `apr_${s}`,
          portal: "conformance",
          parentId: `evt_parent_${s}`,
          snapshotVersion: 7,
          keyId: `key_${s}`,
          prevHash: "prev",
          hash: "hash",
          chainSeq: 7n,
        } satisfies Prisma.AuditEventUncheckedCreateInput,
      ],
      update: { resultSummary: "created #43" },
    },
    {
      model: "AdminAuditLog",
      rows: [
        {
          id: `aal_${s}`,
          orgId: org,
          actorType: "user",
          actorId: user,
          actorName: "Ada",
          action: "grant.create",
          targetType: "grant",
          targetId: `grt_agent_${s}`,
          details: { effect: "approve" },
          snapshotVersion: 7,
          createdAt: t("01-04T00:00:00.000"),
          chainSeq: 3n,
          prevHash: "prev",
          hash: "hash",
        } satisfies Prisma.AdminAuditLogUncheckedCreateInput,
      ],
      update: { actorName: "Ada L." },
    },
    {
      model: "AuditCheckpoint",
      rows: [
        {
          id: `ack_${s}`,
          chain: "audit",
          orgId: org,
          headSeq: 9n,
          headHash: "head",
          checked: 9,
          verifiedOk: true,
          firstBrokenId: `evt_${s}`,
          detail: "ok",
          prevMac: "prev-mac",
          mac: "mac",
          createdAt: t("01-05T00:00:00.000"),
        } satisfies Prisma.AuditCheckpointUncheckedCreateInput,
      ],
      update: { detail: "checked again" },
    },
    {
      model: "AuditRollup",
      rows: [
        {
          orgId: org,
          bucketSeconds: 3600,
          dim: "tool",
          start: t("01-04T00:00:00.000"),
          portal: "/",
          key: "github__list_issues",
          total: 9n,
          denied: 2n,
          errors: 1n,
          toolErrors: 1n,
        } satisfies Prisma.AuditRollupUncheckedCreateInput,
      ],
      update: { total: 10n },
    },
    {
      model: "AuditRollupLatency",
      rows: [
        {
          orgId: org,
          bucketSeconds: 86_400,
          serverId: `srv_${s}`,
          start: t("01-04T00:00:00.000"),
          portal: "ops",
          latencyMs: 12.5,
          calls: 3n,
        } satisfies Prisma.AuditRollupLatencyUncheckedCreateInput,
      ],
      update: { calls: 4n },
    },
    {
      model: "AuditRollupWatermark",
      rows: [
        {
          orgId: org,
          chainSeq: 7n,
          legacyUntil: t("01-02T00:00:00.000"),
          floor: t("01-01T00:00:00.000"),
          foldedAt: t("01-05T00:00:00.000"),
        } satisfies Prisma.AuditRollupWatermarkUncheckedCreateInput,
      ],
      update: { chainSeq: 8n },
    },
    {
      model: "ConfigSnapshot",
      rows: [
        {
          version: Number.parseInt(s.slice(0, 7), 16) + 1,
          hash: "snap",
          document: { version: 1, servers: [] },
          summary: "1 server",
          createdBy: user,
          createdAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.ConfigSnapshotUncheckedCreateInput,
      ],
      update: { summary: "2 servers" },
    },
    {
      model: "OAuthConnection",
      rows: [
        {
          id: `occ_${s}`,
          orgId: org,
          userId: user,
          clientId: "https://client.example/metadata.json",
          clientName: "Claude Code",
          redirectUri: "http://127.0.0.1:33418/callback",
          grantId: `grant_${s}`,
          scopes: ["mcp"],
          resources: ["https://gateway.example/mcp"],
          createdAt: t("01-04T00:00:00.000"),
          lastUsedAt: t("01-05T00:00:00.000"),
          revokedAt: t("01-06T00:00:00.000"),
        } satisfies Prisma.OAuthConnectionUncheckedCreateInput,
      ],
      update: { clientName: "Cursor" },
    },
    {
      model: "OAuthClient",
      rows: [
        {
          id: `ocl_${s}`,
          name: "CI client",
          redirectUris: ["http://127.0.0.1:1/cb"],
          source: "preregistered",
          metadata: { token_endpoint_auth_method: "none" },
          createdAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.OAuthClientUncheckedCreateInput,
      ],
      update: { name: "CI client 2" },
    },
    {
      model: "OAuthSettings",
      rows: [
        {
          id: `oset_${s}`,
          dynamicRegistration: true,
          accessTokenTtlSec: 300,
          refreshTokenTtlSec: 86_400,
          updatedAt: t("01-04T00:00:00.000"),
        } satisfies Prisma.OAuthSettingsUncheckedCreateInput,
      ],
      update: { accessTokenTtlSec: 600 },
    },
  ];
}

describe("migrations agree with schema.prisma", () => {
  const suffix = randomBytes(4).toString("hex");
  const all = fixtures(suffix);

  test("every model has a fixture that sets every scalar field", () => {
    expect(all.map((f) => f.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const fixture of all) {
      const set = new Set(fixture.rows.flatMap((row) => Object.keys(row)));
      const unset = scalarFields(fixture.model).filter((field) => !set.has(field));
      expect({ model: fixture.model, unset }).toEqual({ model: fixture.model, unset: [] });
    }
  });

  test("creates every model and reads every field back unchanged", async () => {
    for (const { model, rows } of all) {
      for (const row of rows) {
        await delegate(db, model).create({ data: row });
        const stored = await delegate(db, model).findUniqueOrThrow({ where: keyOf(model, row) });
        expect({ model, stored }).toEqual({ model, stored: expect.objectContaining(row) });
      }
    }
  });

  test("reads every model back with every relation, all of them populated", async () => {
    for (const { model, rows } of all) {
      const relations = relationFields(db, model);
      const include = Object.fromEntries(relations.map((r) => [r.name, true]));
      const read = await Promise.all(
        rows.map((row) =>
          delegate(db, model).findUniqueOrThrow({
            where: keyOf(model, row),
            ...(relations.length > 0 ? { include } : {}),
          }),
        ),
      );
      // Across a model's rows, every to-one relation resolves and every to-many one has members.
      const empty = relations
        .filter((r) => !read.some((found) => isPopulated(found[r.name])))
        .map((r) => `${model}.${r.name}`);
      expect(empty).toEqual([]);
    }
  });

  test("updates a field of every model", async () => {
    for (const { model, rows, update } of all) {
      const where = keyOf(model, rows[0]!);
      await delegate(db, model).update({ where, data: update });
      expect({ model, stored: await delegate(db, model).findUniqueOrThrow({ where }) }).toEqual({
        model,
        stored: expect.objectContaining(update),
      });
    }
  });

  test("deletes every model", async () => {
    for (const { model, rows } of [...all].reverse()) {
      for (const row of rows) await delegate(db, model).delete({ where: keyOf(model, row) });
      expect({ model, left: await delegate(db, model).count() }).toEqual({ model, left: 0 });
    }
  });
});

describe("database rules the client cannot see", () => {
  const s = randomBytes(4).toString("hex");
  const all = fixtures(s);
  const grant = all.find((f) => f.model === "Grant")!.rows[0]!;

  beforeAll(async () => {
    for (const { model, rows } of all) {
      for (const row of rows) await delegate(db, model).create({ data: row });
    }
  });

  test("a grant must name exactly one of team and agent (CHECK constraint)", async () => {
    const base = { ...grant, agentId: undefined };
    await expect(
      db.grant.create({ data: { ...base, id: `grt_none_${s}` } as Prisma.GrantUncheckedCreateInput }),
    ).rejects.toThrow(/grants_exactly_one_subject_check/);
    await expect(
      db.grant.create({
        data: {
          ...base,
          id: `grt_both_${s}`,
          teamId: `team_${s}`,
          agentId: `agt_${s}`,
        } as Prisma.GrantUncheckedCreateInput,
      }),
    ).rejects.toThrow(/grants_exactly_one_subject_check/);
    await expect(
      db.grant.update({ where: { id: grant.id as string }, data: { teamId: `team_${s}` } }),
    ).rejects.toThrow(/grants_exactly_one_subject_check/);
  });

  test("foreign keys apply the schema's onDelete actions", async () => {
    // Restrict: a team cannot go while an agent belongs to it.
    await expect(db.team.delete({ where: { id: `team_${s}` } })).rejects.toThrow();
    // SetNull: deleting the approver keeps the approval request, without its decider.
    await db.user.delete({ where: { id: `usr_${s}` } });
    expect(await db.approvalRequest.findUniqueOrThrow({ where: { id: `apr_${s}` } })).toMatchObject({
      decidedById: null,
    });
    // Cascade: deleting the organization removes everything it owns.
    await db.organization.delete({ where: { id: `org_${s}` } });
    const orgScoped = all.filter((f) => f.rows.some((row) => row.orgId === `org_${s}`));
    for (const { model } of orgScoped) {
      expect({ model, left: await delegate(db, model).count({ where: { orgId: `org_${s}` } }) }).toEqual({
        model,
        left: 0,
      });
    }
  });
});

function isPopulated(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== null && value !== undefined;
}
