import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { type ApprovalView, listApprovals } from "@portcullis/control/approvals/list-approvals";
import { setTeamWebhook } from "@portcullis/control/approvals/set-team-webhook";
import {
  type RunningAuthorizationServer,
  startAuthorizationServer,
} from "@portcullis/oauth/start-authorization-server";
import type { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { ApprovalWorker } from "@portcullis/queues/approval-worker";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { DEMO_PASSWORD } from "@portcullis/testkit/dev-idp/accounts";
import { type RunningDevIdp, startDevIdp } from "@portcullis/testkit/dev-idp/start-dev-idp";
import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { MemoryOAuthClient } from "@portcullis/testkit/oauth-client";
import { freePort } from "@portcullis/testkit/ports";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayOAuthFrom } from "./oauth/gateway-oauth";
import { startApprovalsBackend } from "./testing/approvals-backend";
import {
  type GatewayHarness,
  startGatewayHarness,
  TEST_SECRET_KEY,
  waitForVersion,
} from "./testing/gateway-harness";
import { authorizeOverHttp } from "./testing/oauth-client";

// Issue 11: a person's call that needs approval waits for an approver exactly like an
// agent's. A real SDK client signs in with a real OAuth token (DCR, the dev SSO, consent);
// the worker's handlers store the request in Postgres; decisions go through the use case
// the console calls. The person is in teams platform and data; only data's grant asks. Then
// the policies and resource grants of data, their second team, bind them as well.
const SECRET = secretKeyFrom("person-approvals-secret-key-0123456789abcdef");
const PERSON_ID = "usr_dana";
const EMAIL = "member@example.com";
const CLIENT_NAME = "Approvals test client";
const users = { dataApprover: "usr_dataappr", opsApprover: "usr_opsappr", platformApprover: "usr_platappr" };

let upstream: FixtureServer;
let docsUpstream: FixtureServer;
let h: GatewayHarness;
let idp: RunningDevIdp;
let as: RunningAuthorizationServer;
let tdb: TestDatabase;
let callback: Server;
let hookServer: Server;
const hooks: Array<{ path: string; text: string }> = [];
let gatewayUrl: string;
let queue: ApprovalQueue;
let worker: ApprovalWorker;
let client: Client;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];

beforeAll(async () => {
  upstream = await startLegacyHttpServer({ onCall: (name, args) => calls.push({ name, args }) });
  docsUpstream = await startModernHttpServer({ tag: "docs" });
  tdb = await createTestDatabase({ name: "person_governance" });
  const [gatewayPort, asPort] = [await freePort(), await freePort()];
  const asIssuer = `http://127.0.0.1:${asPort}`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  idp = await startDevIdp({
    clients: [
      {
        clientId: "portcullis-oauth",
        clientSecret: "oauth-sso-secret",
        redirectUris: [`${asIssuer}/interaction/sso/callback`],
        name: "Portcullis",
      },
    ],
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    port: gatewayPort,
    oauth: gatewayOAuthFrom({
      publicUrl: `http://127.0.0.1:${gatewayPort}`,
      issuer: asIssuer,
      jwksUrl: undefined,
    }),
    approvals: { progressIntervalMs: 150, expiryGraceMs: 500 },
    configure: async (b) => {
      const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      b.person(PERSON_ID, EMAIL, ["platform", "data", "qa"]);
      b.grant({ team: "platform" }, server, "echo");
      const ask = b.grant({ team: "data" }, server, "add", "approve");
      ask.reason = "data reviews additions";
      b.team("ops");
      // Resources come from the second team's grant only.
      const docs = b.server({ name: "docs", transport: "streamable-http", url: docsUpstream.url });
      b.itemGrant("resource", { team: "data" }, docs, "fixture://*");
    },
  });
  await waitForVersion(h.gateway, await h.publish());
  await pool.close();

  const { db } = tdb;
  const orgId = h.builder.orgId;
  await db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  for (const [id, email, role] of [
    [PERSON_ID, EMAIL, "approver"],
    [users.dataApprover, "data-approver@example.com", "approver"],
    [users.opsApprover, "ops-approver@example.com", "approver"],
    [users.platformApprover, "platform-approver@example.com", "approver"],
  ] as const) {
    await db.user.create({ data: { id, email, name: email } });
    await db.membership.create({ data: { id: newId("membership"), orgId, userId: id, role } });
  }
  for (const [team, members] of [
    ["platform", [PERSON_ID, users.platformApprover]],
    ["data", [PERSON_ID, users.dataApprover]],
    ["ops", [users.opsApprover]],
    ["qa", [PERSON_ID]],
  ] as const) {
    const teamId = h.builder.team(team);
    await db.team.create({ data: { id: teamId, orgId, name: team } });
    for (const userId of members)
      await db.teamMember.create({ data: { id: newId("teamMember"), teamId, userId } });
  }
  await db.oAuthSettings.create({ data: { id: "installation", dynamicRegistration: true } });
  ({ queue, worker } = startApprovalsBackend("redis://127.0.0.1:6379", {
    db,
    redis: h.redis,
    names: h.names,
    secretKey: TEST_SECRET_KEY,
    webhook: { secretKey: TEST_SECRET_KEY },
  }));
  await worker.ready();

  hookServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      hooks.push({ path: req.url ?? "", text: (JSON.parse(body) as { text: string }).text });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", () => resolve()));

  callback = createServer((_req, res) => res.end("done"));
  await new Promise<void>((resolve) => callback.listen(0, "127.0.0.1", () => resolve()));
  const redirect = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
  as = await startAuthorizationServer({
    host: "127.0.0.1",
    port: asPort,
    db,
    redis: h.redis,
    prefix: h.names.prefix,
    secretKey: SECRET,
    sso: { issuer: idp.issuer, clientId: "portcullis-oauth", clientSecret: "oauth-sso-secret" },
    gatewayPublicUrl: `http://127.0.0.1:${gatewayPort}`,
    outbound: createOutboundGuard(["127.0.0.1"]),
  });

  // The whole dance with the SDK's client: 401 → discovery → DCR → SSO and consent → tokens.
  const provider = new MemoryOAuthClient(redirect, CLIENT_NAME);
  const first = new StreamableHTTPClientTransport(new URL(gatewayUrl), { authProvider: provider });
  await expect(new Client({ name: "t", version: "1" }).connect(first)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  const { callbackUrl } = await authorizeOverHttp({
    authorizationUrl: String(provider.authorizationUrl),
    redirectUri: provider.redirect,
    email: EMAIL,
    password: DEMO_PASSWORD,
  });
  await first.finishAuth(new URL(callbackUrl).searchParams);
  client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { authProvider: provider }));
}, 90_000);

afterAll(async () => {
  await client?.close();
  await as?.close();
  await worker?.close();
  await queue?.close();
  await h?.close();
  callback?.close();
  hookServer?.close();
  await idp?.close();
  await upstream?.close();
  await docsUpstream?.close();
  await tdb?.drop();
});

async function pendingRequest(): Promise<ApprovalView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { items } = await listApprovals(tdb.db, { orgId: h.builder.orgId, status: "pending" });
    if (items[0]) return items[0];
    if (Date.now() > deadline) throw new Error("the approval request was not stored");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function decide(
  approvalId: string,
  who: string,
  decision: "approve" | "deny",
  comment: string | null = null,
) {
  return decideApproval(
    tdb.db,
    h.redis,
    h.names,
    {
      orgId: h.builder.orgId,
      approvalId,
      decision,
      comment,
      deciderId: who,
      via: "user",
      secretKey: TEST_SECRET_KEY,
    },
    queue,
  );
}

type CallResult = { content: Array<{ text: string }>; isError?: boolean };

describe("a person's call that needs approval", () => {
  it("waits, names the person and their client, is decided by an approver of the granting team, and then runs", async () => {
    const progress: number[] = [];
    const held = client.callTool(
      { name: "alpha__add", arguments: { a: 2, b: 3 } },
      {
        onprogress: (p: { progress: number }) => progress.push(p.progress),
        resetTimeoutOnProgress: true,
        timeout: 30_000,
      },
    ) as Promise<CallResult>;
    const request = await pendingRequest();
    expect(request).toMatchObject({
      agent: null,
      client: { name: CLIENT_NAME },
      caller: `person ${EMAIL} via ${CLIENT_NAME}`,
      requester: { id: PERSON_ID, email: EMAIL },
      reason: "data reviews additions",
      // Only data's grant gives them `add`: its approvers decide, platform's do not.
      teams: [{ id: h.builder.team("data"), name: "data" }],
    });
    expect(calls.some((c) => c.name === "add")).toBe(false);

    // Nobody decides their own request; an approver of a team that did not grant it cannot either.
    await expect(decide(request.id, PERSON_ID, "approve")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(decide(request.id, users.opsApprover, "approve")).rejects.toThrow(
      /not an approver of team 'data'/,
    );
    await decide(request.id, users.dataApprover, "approve", "fine");

    const result = await held;
    expect(result.isError).toBeFalsy();
    expect(result.content[0]?.text).toBe("5");
    expect(calls.filter((c) => c.name === "add")).toEqual([{ name: "add", args: { a: 2, b: 3 } }]);
    expect(progress.length).toBeGreaterThan(0);
    const events = await h.waitForEvents((e) =>
      e.some((x) => x.approvalId === request.id && x.decision === "allowed"),
    );
    expect(events.find((x) => x.approvalId === request.id && x.decision === "allowed")).toMatchObject({
      userId: PERSON_ID,
      agentId: null,
    });
  }, 60_000);

  it("is refused with the approver's reason when denied", async () => {
    const held = client.callTool(
      { name: "alpha__add", arguments: { a: 1, b: 1 } },
      {
        timeout: 30_000,
      },
    ) as Promise<CallResult>;
    const request = await pendingRequest();
    await decide(request.id, users.dataApprover, "deny", "not today");
    await expect(held).rejects.toThrow(/denied by data-approver@example.com: not today/);
    expect(calls.filter((c) => c.name === "add")).toHaveLength(1);
  }, 60_000);
});

describe("policies scoped to the person's second team (data)", () => {
  const data = () => [h.builder.team("data")];
  let limit: SnapshotPolicy;

  it("a DLP policy blocks their call; one scoped to a team they are not in does not apply", async () => {
    const dlp = h.builder.policy(
      "dlp",
      { detectors: ["email"], direction: "arguments", action: "block" },
      { teams: data(), tools: [toolId("alpha__echo")] },
    );
    dlp.name = "data-no-emails";
    const other = h.builder.policy(
      "dlp",
      { detectors: ["credit-card"], direction: "arguments", action: "block" },
      { teams: [h.builder.team("ops")] },
    );
    other.name = "ops-no-cards";
    await waitForVersion(h.gateway, await h.publish());
    await expect(
      client.callTool({ name: "alpha__echo", arguments: { message: "mail ann@acme.io" } }),
    ).rejects.toThrow(/blocked by DLP policy 'data-no-emails': email in \$\.arguments\.message/);
    const passed = (await client.callTool({
      name: "alpha__echo",
      arguments: { message: "card 4111 1111 1111 1111" },
    })) as CallResult;
    expect(passed.content[0]?.text).toBe("echo: card 4111 1111 1111 1111");
  });

  it("a resource grant of data lets them list and read the resource", async () => {
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["fixture://readme"]);
    expect((await client.readResource({ uri: "fixture://readme" })).contents[0]).toMatchObject({
      uri: "fixture://readme",
    });
  });

  it("a per-team rate limit counts them on data's budget", async () => {
    limit = h.builder.policy(
      "rate_limit",
      { limits: [{ per: "team", window: "minute", max: 2 }] },
      { teams: data(), tools: [toolId("alpha__echo")] },
    );
    limit.name = "data-budget";
    await waitForVersion(h.gateway, await h.publish());
    const outcomes = [];
    for (const i of [1, 2, 3])
      outcomes.push(
        await client.callTool({ name: "alpha__echo", arguments: { message: `hi ${i}` } }).then(
          () => "ok",
          (e: unknown) => String(e),
        ),
      );
    expect(outcomes.slice(0, 2)).toEqual(["ok", "ok"]);
    expect(outcomes[2]).toMatch(/rate limit 'data-budget' exceeded: 2 calls per minute per team/);
  });

  it("an approval policy of data holds their call; data's approvers decide, not those of the team granting the tool", async () => {
    const ask = h.builder.policy(
      "approval",
      { reason: "data asks about echoes" },
      { teams: data(), tools: [toolId("alpha__echo")] },
    );
    ask.name = "data-asks";
    // The rate limit of the test above is out of the way (the builder keeps the policy it returned).
    limit.scope.tools = ["no-such-tool"];
    await waitForVersion(h.gateway, await h.publish());
    const held = client.callTool(
      { name: "alpha__echo", arguments: { message: "held" } },
      { timeout: 30_000 },
    ) as Promise<CallResult>;
    const request = await pendingRequest();
    // Platform grants `echo`, but the policy speaks for data.
    expect(request).toMatchObject({ reason: "data asks about echoes", teams: [{ name: "data" }] });
    await expect(decide(request.id, users.platformApprover, "approve")).rejects.toThrow(
      /not an approver of team 'data'/,
    );
    await decide(request.id, users.dataApprover, "approve");
    expect((await held).content[0]?.text).toBe("echo: held");
  }, 60_000);
});

const toolId = (exposedName: string) =>
  h.builder.build(0).tools.find((t) => t.exposedName === exposedName)!.id;

describe("webhooks of a held call", () => {
  it("the new request goes to the webhook of every team that may decide it, once per distinct URL", async () => {
    const orgId = h.builder.orgId;
    const hookUrl = (path: string) => `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}${path}`;
    // qa shares data's channel; ops is not the person's team, so its channel hears nothing.
    for (const [team, path] of [
      ["platform", "/platform"],
      ["data", "/shared"],
      ["qa", "/shared"],
      ["ops", "/ops"],
    ] as const) {
      await setTeamWebhook(tdb.db, {
        orgId,
        teamId: h.builder.team(team),
        url: hookUrl(path),
        actor: { type: "cli", name: "person-governance-test" },
        secretKey: TEST_SECRET_KEY,
      });
    }
    const everyone = h.builder.policy(
      "approval",
      { reason: "every team asks about echoes" },
      {
        teams: ["platform", "data", "qa", "ops"].map((t) => h.builder.team(t)),
        tools: [toolId("alpha__echo")],
      },
      1,
    );
    everyone.name = "every-team-asks";
    await waitForVersion(h.gateway, await h.publish());
    const held = client.callTool(
      { name: "alpha__echo", arguments: { message: "hooked" } },
      { timeout: 30_000 },
    ) as Promise<CallResult>;
    const request = await pendingRequest();
    expect(request.teams.map((t) => t.name)).toEqual(["platform", "data", "qa"]);
    const requested = () => hooks.filter((x) => x.text.startsWith("Approval needed"));
    await until(() => requested().length >= 2);
    await decide(request.id, users.platformApprover, "approve");
    expect((await held).content[0]?.text).toBe("echo: hooked");
    await until(() => hooks.filter((x) => x.text.startsWith("Approved by")).length >= 2);
    expect(
      requested()
        .map((x) => x.path)
        .sort(),
    ).toEqual(["/platform", "/shared"]);
    expect(requested()[0]?.text).toBe(
      `Approval needed: person ${EMAIL} via ${CLIENT_NAME} wants to call alpha__echo (read)`,
    );
    expect(
      hooks
        .filter((x) => x.text.startsWith("Approved by"))
        .map((x) => x.path)
        .sort(),
    ).toEqual(["/platform", "/shared"]);
    // A delivery's audit row is written after the webhook has answered: wait for all four.
    const notifiedRows = () =>
      tdb.db.adminAuditLog.findMany({ where: { targetId: request.id, action: "approval.notify" } });
    let notified = await notifiedRows();
    for (const deadline = Date.now() + 10_000; notified.length < 4 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      notified = await notifiedRows();
    }
    expect(notified.map((n) => (n.details as { team: string }).team).sort()).toEqual([
      "data",
      "data",
      "platform",
      "platform",
    ]);
  }, 60_000);
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the webhooks");
    await new Promise((r) => setTimeout(r, 50));
  }
}
