import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId, randomToken } from "@portcullis/contracts/ids";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createDb } from "@portcullis/db/client";
import { screenshot, signIn } from "../support/login";
import { stack } from "../support/stack-env";

/** A word no other test's events contain, so the search finds exactly what this test stored. */
const marker = `invoice${randomToken(8).toLowerCase()}`;
let mine: AuditEvent;
let foreign: AuditEvent;
const agentId = newId("agent");
const serverId = newId("server");

function event(orgId: string, overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date().toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId,
    agentName: "billing-bot",
    teamId: null,
    userId: null,
    serverId,
    serverName: "billing",
    toolName: "billing__find_invoice",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { query: marker, note: 'quoted "text", with a comma' },
    resultSummary: "1 invoice found",
    isError: false,
    latencyMs: 42,
    upstreamLatencyMs: 40,
    upstreamStatus: "ok",
    protocolVersion: "2025-11-25",
    snapshotVersion: 1,
    ...overrides,
  };
}

/**
 * The events go through the worker's own ingest use case (hash chain included), as if the
 * gateway had recorded them; the admin journey covers the gateway-to-Postgres path.
 */
test.beforeAll(async () => {
  const { databaseUrl, orgSlug } = stack();
  const db = createDb(databaseUrl, { max: 1 });
  try {
    const org = await db.organization.findUniqueOrThrow({ where: { slug: orgSlug } });
    const other = await db.organization.create({
      data: {
        id: newId("organization"),
        name: "Elsewhere",
        slug: `elsewhere-${randomToken(6).toLowerCase()}`,
      },
    });
    mine = event(org.id, {});
    foreign = event(other.id, { agentName: "their-bot" });
    const noise = [
      event(org.id, { decision: "denied", reason: "no grant", arguments: { query: "unrelated" } }),
      event(org.id, { decision: "error", reason: "upstream timeout", arguments: { query: "unrelated" } }),
    ];
    await ingestAuditEvents(db, [...noise, mine, foreign]);
  } finally {
    await db.$disconnect();
  }
});

test("an auditor searches the audit log, opens an event and exports it", async ({ page }) => {
  await signIn(page, "auditor@example.com");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");

  // Full-text search on a word of the arguments: only this organization's event matches.
  await page.getByLabel("Search", { exact: true }).fill(marker);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`q=${marker}`));
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table.getByRole("row")).toHaveCount(2); // the header and one event
  await expect(table).toContainText("billing-bot");
  await expect(table).toContainText("billing__find_invoice");
  await expect(table).not.toContainText("their-bot");
  await screenshot(page, "audit-search");

  // The event's full record, arguments included.
  await table.getByRole("button", { name: new RegExp(`Open event ${mine.id}`) }).click();
  const drawer = page.getByRole("dialog", { name: "Audit event" });
  await expect(drawer).toContainText(mine.id);
  await expect(drawer.getByTestId("event-arguments")).toContainText(marker);
  await expect(drawer).toContainText(mine.requestId);
  await screenshot(page, "audit-event");
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(drawer).toBeHidden();

  // Exports of the current filter arrive as downloads holding the event.
  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
  const csvText = await readFile((await csv.path())!, "utf8");
  const csvLines = csvText.trim().split("\r\n");
  expect(csvLines).toHaveLength(2);
  expect(csvLines[0]).toContain("occurred_at,id,");
  expect(csvLines[1]).toContain(mine.id);
  expect(csvLines[1]).toContain(marker);
  expect(csvText).not.toContain(foreign.id);

  const [jsonl] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export JSON Lines" }).click(),
  ]);
  expect(jsonl.suggestedFilename()).toMatch(/\.jsonl$/);
  const lines = (await readFile((await jsonl.path())!, "utf8")).trim().split("\n");
  expect(lines.map((line) => JSON.parse(line))).toEqual([
    expect.objectContaining({ id: mine.id, arguments: mine.arguments, agentName: "billing-bot" }),
  ]);

  // The dashboard counts the same events.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByText("Denials by reason")).toBeVisible();
  await expect(page.getByText("no grant").first()).toBeVisible();
  await screenshot(page, "dashboard");
});

test("a member without audit.read is told so, by the page and by the export", async ({ page }) => {
  await signIn(page, "member@example.com");
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }),
  ).toHaveCount(0);

  await page.goto("/audit");
  await expect(page).toHaveURL(/\/not-allowed/);
  await expect(page.getByText("audit.read")).toBeVisible();

  const refused = await page.request.get(`/api/audit/export?format=csv&q=${marker}`);
  expect(refused.status()).toBe(403);
  expect(await refused.text()).not.toContain(mine.id);
});
