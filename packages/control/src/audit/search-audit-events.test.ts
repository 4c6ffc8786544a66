import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventFilter } from "./audit-filter";
import { getAuditEvent } from "./get-audit-event";
import { ingestAuditEvents } from "./ingest-audit-events";
import { searchAuditEvents } from "./search-audit-events";

let database: TestDatabase;
const org = newId("organization");
const otherOrg = newId("organization");
const pagedOrg = newId("organization");
const t0 = Date.parse("2026-04-01T10:00:00.000Z");
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();

function event(orgId: string, overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: at(0),
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: null,
    serverName: null,
    toolName: null,
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 10,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: "2025-11-25",
    snapshotVersion: 1,
    ...overrides,
  };
}

const ci = { agentId: "agt_ci", agentName: "ci-bot", teamId: "team_build", userId: null };
const deployer = { agentId: "agt_deploy", agentName: "deploy-bot", teamId: "team_ops", userId: "usr_ada" };
const github = { serverId: "srv_github", serverName: "github" };
const slack = { serverId: "srv_slack", serverName: "slack" };

const createIssue = event(org, {
  ...ci,
  ...github,
  occurredAt: at(1),
  toolName: "github__create_issue",
  arguments: { title: "Bump lodash to 4.17.21", labels: ["deps"] },
  resultSummary: "created issue #42",
  latencyMs: 120,
  dlp: [{ detector: "email", direction: "arguments", path: "$.body", action: "redact", policyId: null }],
});
const postMessage = event(org, {
  ...deployer,
  ...slack,
  occurredAt: at(2),
  toolName: "slack__post_message",
  decision: "denied",
  reason: "no grant",
  errorCode: -32003,
  arguments: { channel: "#ops", text: "deploy finished" },
  isError: true,
  latencyMs: 3,
  approvalId: "apr_1",
});
const deleteRepo = event(org, {
  ...ci,
  ...github,
  occurredAt: at(3),
  toolName: "github__delete_repo",
  decision: "error",
  reason: "upstream timeout",
  arguments: { repo: "portcullis" },
  isError: true,
  latencyMs: 30_000,
  dlp: [
    {
      detector: "aws-key",
      direction: "result",
      path: "$.content[0].text",
      action: "block",
      policyId: "pol_1",
    },
  ],
});
const unauthenticated = event(org, {
  occurredAt: at(4),
  method: "initialize",
  decision: "unauthenticated",
  reason: "no credentials",
  latencyMs: 1,
});
/** The same words and tool in another organization: never visible from `org`. */
const foreign = event(otherOrg, {
  ...ci,
  ...github,
  occurredAt: at(5),
  toolName: "github__create_issue",
  arguments: { title: "Bump lodash" },
  resultSummary: "created issue #7",
});
const mine = [createIssue, postMessage, deleteRepo, unauthenticated];

/** 30 events in 10 instants, three per instant: ties broken by id. */
const paged = Array.from({ length: 30 }, (_, i) =>
  event(pagedOrg, { occurredAt: at(Math.floor(i / 3)), toolName: "everything__echo", arguments: { i } }),
);

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_search" });
  for (const id of [org, otherOrg, pagedOrg]) {
    await database.db.organization.create({ data: { id, name: id, slug: id } });
  }
  await ingestAuditEvents(database.db, [...mine, foreign]);
  await ingestAuditEvents(database.db, paged);
});

afterAll(async () => {
  await database?.drop();
});

async function ids(filter: AuditEventFilter, orgId = org): Promise<string[]> {
  return (await searchAuditEvents(database.db, { orgId }, filter, { limit: 100 })).items.map((e) => e.id);
}

describe("searchAuditEvents", () => {
  it("returns the organization's events newest first, as table rows", async () => {
    const page = await searchAuditEvents(database.db, { orgId: org }, {});

    expect(page.items.map((e) => e.id)).toEqual(
      [unauthenticated, deleteRepo, postMessage, createIssue].map((e) => e.id),
    );
    expect(page.nextCursor).toBeNull();
    expect(page.items.at(-1)).toEqual({
      id: createIssue.id,
      occurredAt: new Date(createIssue.occurredAt),
      method: "tools/call",
      agentId: "agt_ci",
      agentName: "ci-bot",
      teamId: "team_build",
      userId: null,
      serverId: "srv_github",
      serverName: "github",
      toolName: "github__create_issue",
      decision: "allowed",
      reason: null,
      errorCode: null,
      isError: false,
      latencyMs: 120,
      upstreamStatus: null,
      resultPreview: "created issue #42",
      detectors: ["email"],
    });
  });

  it("searches the full text of tool, server, agent, arguments and result summary", async () => {
    expect(await ids({ q: "lodash" })).toEqual([createIssue.id]); // an argument value
    expect(await ids({ q: "#42" })).toEqual([createIssue.id]); // the result summary
    expect(await ids({ q: "delete_repo" })).toEqual([deleteRepo.id]); // part of a tool name
    expect(await ids({ q: "slack" })).toEqual([postMessage.id]); // a server
    expect(await ids({ q: "deploy-bot" })).toEqual([postMessage.id]); // an agent
    expect(await ids({ q: "github -lodash" })).toEqual([deleteRepo.id]); // exclusion
    expect(await ids({ q: '"deploy finished"' })).toEqual([postMessage.id]); // a phrase
    expect(await ids({ q: "finished deploy" })).toEqual([postMessage.id]); // all words, any order
    expect(await ids({ q: '"finished deploy"' })).toEqual([]);
    expect(await ids({ q: "portcullis or lodash" })).toEqual([deleteRepo.id, createIssue.id]);
    expect(await ids({ q: "   " })).toHaveLength(4); // blank: no text filter
  });

  it("filters by each field, and combines filters", async () => {
    expect(await ids({ from: new Date(at(2)), to: new Date(at(4)) })).toEqual([
      deleteRepo.id,
      postMessage.id,
    ]);
    expect(await ids({ agentId: "agt_ci" })).toEqual([deleteRepo.id, createIssue.id]);
    expect(await ids({ teamId: "team_ops" })).toEqual([postMessage.id]);
    expect(await ids({ userId: "usr_ada" })).toEqual([postMessage.id]);
    expect(await ids({ serverId: "srv_github" })).toEqual([deleteRepo.id, createIssue.id]);
    expect(await ids({ tool: "github__create_issue" })).toEqual([createIssue.id]);
    expect(await ids({ decision: "denied" })).toEqual([postMessage.id]);
    expect(await ids({ decision: "unauthenticated" })).toEqual([unauthenticated.id]);
    expect(await ids({ detector: "aws-key" })).toEqual([deleteRepo.id]);
    expect(await ids({ detector: "email" })).toEqual([createIssue.id]);
    expect(await ids({ minLatencyMs: 100 })).toEqual([deleteRepo.id, createIssue.id]);
    expect(await ids({ maxLatencyMs: 3 })).toEqual([unauthenticated.id, postMessage.id]);
    expect(await ids({ minLatencyMs: 100, maxLatencyMs: 1000 })).toEqual([createIssue.id]);
    expect(await ids({ agentId: "agt_ci", decision: "error", q: "portcullis" })).toEqual([deleteRepo.id]);
    expect(await ids({ agentId: "agt_ci", decision: "denied" })).toEqual([]);
  });

  it("never shows another organization's events", async () => {
    expect(await ids({ q: "lodash" })).not.toContain(foreign.id);
    expect(await ids({ tool: "github__create_issue" })).toEqual([createIssue.id]);
    expect(await ids({}, otherOrg)).toEqual([foreign.id]);
    await expect(getAuditEvent(database.db, org, foreign.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("pages with a keyset cursor: no duplicates, no gaps, ties broken by id", async () => {
    // One page holding everything is the reference order (ties follow the database's collation).
    const all = await searchAuditEvents(database.db, { orgId: pagedOrg }, {}, { limit: 100 });
    const expected = all.items.map((e) => e.id);
    expect([...expected].sort()).toEqual(paged.map((e) => e.id).sort());
    const times = all.items.map((e) => e.occurredAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchAuditEvents(
        database.db,
        { orgId: pagedOrg },
        {},
        { limit: 4, ...(cursor && { cursor }) },
      );
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // A newer event arriving mid-way does not shift the pages still to come.
      if (pages === 2) await ingestAuditEvents(database.db, [event(pagedOrg, { occurredAt: at(60) })]);
    } while (cursor);

    expect(pages).toBe(8);
    expect(seen).toEqual(expected);
  });

  it("rejects a forged cursor and an out-of-range limit", async () => {
    await expect(
      searchAuditEvents(database.db, { orgId: org }, {}, { cursor: "forged" }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(searchAuditEvents(database.db, { orgId: org }, {}, { limit: 501 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});

describe("getAuditEvent", () => {
  it("returns every field of one event, with its place in the hash chain", async () => {
    const stored = await getAuditEvent(database.db, org, postMessage.id);

    expect(stored).toMatchObject({
      id: postMessage.id,
      orgId: org,
      occurredAt: new Date(postMessage.occurredAt),
      requestId: postMessage.requestId,
      agentName: "deploy-bot",
      decision: "denied",
      reason: "no grant",
      errorCode: -32003,
      arguments: { channel: "#ops", text: "deploy finished" },
      isError: true,
      protocolVersion: "2025-11-25",
      approvalId: "apr_1",
      chainSeq: 2,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(stored.ingestedAt).toBeInstanceOf(Date);
  });

  it("is NOT_FOUND for an id that does not exist", async () => {
    await expect(getAuditEvent(database.db, org, "evt_nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
