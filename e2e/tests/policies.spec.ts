import type { Client } from "@modelcontextprotocol/client";
import { expect, test } from "@playwright/test";
import { newId } from "@portcullis/contracts/ids";
import { createDb } from "@portcullis/db/client";
import { screenshot, signIn } from "../support/login";
import { connectWhenListed } from "../support/mcp";
import { stack } from "../support/stack-env";
import { callTrpc, syncCatalog, trpc } from "../support/trpc";

// Governance policies in the console (issue 3, parity with the apply file): an admin writes
// a DLP policy in the browser and the gateway enforces it on the next call; an auditor
// sees policies but cannot change them.
const label = `pol-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const echo = `${serverName}__echo`;

/** The agent's echo call: its text, or the gateway's refusal message. */
async function echoOutcome(client: Client, message: string): Promise<string> {
  try {
    const result = await client.callTool({ name: echo, arguments: { message } });
    return `ok: ${JSON.stringify(result.content)}`;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

test("an admin writes a DLP policy in the console and the gateway refuses a call that breaks it", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "admin@example.com");

  // What the policy will cover: a synced server, a team with an agent, a key, a grant.
  const r = page.request;
  const { id: teamId } = await trpc<{ id: string }>(r, "teams.create", { name: `${label}-team` });
  const { id: serverId } = await trpc<{ id: string }>(r, "servers.create", {
    name: serverName,
    transport: "streamable-http",
    url: stack().fixtureUrl,
  });
  await syncCatalog(r, serverId);
  const { id: agentId } = await trpc<{ id: string }>(r, "agents.create", { name: `${label}-bot`, teamId });
  const { key } = await trpc<{ key: string }>(r, "keys.create", { agentId });
  await trpc(r, "grants.set", {
    subject: { type: "team", id: teamId },
    serverId,
    toolPattern: "echo",
    effect: "allow",
  });

  const client = await connectWhenListed(stack().gatewayMcpUrl, key, echo);
  // Before the policy: an email address in the arguments goes through.
  expect(await echoOutcome(client, "write to alice.martin@northwind-traders.com")).toContain(
    "alice.martin@northwind-traders.com",
  );

  // ── The policy, written in the browser.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policies" }).click();
  await expect(page.getByRole("heading", { name: "Policies" })).toBeVisible();
  await page.getByRole("button", { name: "New policy" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New policy" });
  await dialog.getByLabel("Name").fill(`${label}-no-emails`);
  // Validation speaks next to the field, with the apply file's schema message, before anything is sent.
  await dialog.getByRole("button", { name: "Create policy" }).click();
  await expect(dialog.getByText("name at least one detector (or custom pattern)")).toBeVisible();
  await dialog.getByRole("checkbox", { name: "email", exact: true }).check();
  await dialog.getByLabel("Action").selectOption("block");
  await dialog.getByLabel("Direction").selectOption("arguments");
  await dialog.getByLabel("Add a tool").selectOption(echo);
  await expect(dialog.getByTestId("scope-tools")).toContainText(echo);
  await screenshot(page, "policy-editor");
  await dialog.getByRole("button", { name: "Create policy" }).click();
  await expect(dialog).toBeHidden();

  const table = page.getByRole("table", { name: "Policies" });
  const row = table.getByRole("row").filter({ hasText: `${label}-no-emails` });
  await expect(row).toContainText("DLP");
  await expect(row).toContainText("enabled");
  await expect(row).toContainText(`tools: ${echo}`);
  await expect(row).toContainText("block · email · arguments");
  await screenshot(page, "policies");

  // ── The gateway refuses the same call within a second or two; a clean call still passes.
  await expect
    .poll(() => echoOutcome(client, "write to alice.martin@northwind-traders.com"), { timeout: 5_000 })
    .toMatch(new RegExp(`^refused: .*blocked by DLP policy '${label}-no-emails': email`));
  expect(await echoOutcome(client, "nothing personal")).toContain("nothing personal");

  // ── Disabled in the console: the call goes through again.
  await row.getByRole("button", { name: `Disable policy ${label}-no-emails` }).click();
  await expect(row).toContainText("disabled");
  await expect
    .poll(() => echoOutcome(client, "write to alice.martin@northwind-traders.com"), { timeout: 5_000 })
    .toContain("ok:");

  // ── Deleted, after a confirmation.
  await row.getByRole("button", { name: `Delete policy ${label}-no-emails` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete policy ${label}-no-emails?` });
  await confirm.getByRole("button", { name: "Delete policy" }).click();
  await expect(confirm).toBeHidden();
  await expect(table.getByText(`${label}-no-emails`)).toHaveCount(0);
  await client.close().catch(() => {});
});

test("an auditor sees policies read-only, and the API refuses their changes", async ({ page }) => {
  const name = `${label}-seeded`;
  const db = createDb(stack().databaseUrl, { max: 1 });
  let policyId = "";
  try {
    const org = await db.organization.findUniqueOrThrow({ where: { slug: stack().orgSlug } });
    policyId = newId("policy");
    await db.policy.create({
      data: {
        id: policyId,
        orgId: org.id,
        name,
        kind: "rate_limit",
        priority: 20,
        scope: { teams: [], agents: [], servers: [], tools: [] },
        config: { limits: [{ per: "agent", window: "minute", max: 30 }], onRedisDown: "open" },
        createdBy: "e2e seed",
      },
    });
  } finally {
    await db.$disconnect();
  }

  await signIn(page, "auditor@example.com");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policies" }).click();
  await expect(page.getByRole("heading", { name: "Policies" })).toBeVisible();
  await expect(page.getByRole("note")).toContainText("Read-only");
  const row = page.getByRole("table", { name: "Policies" }).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Rate limit");
  await expect(row).toContainText("30/minute per agent");
  await expect(row).toContainText("everything");
  await expect(page.getByRole("button", { name: "New policy" })).toHaveCount(0);
  await expect(row.getByRole("button", { name: /^(Edit|Disable|Delete) policy/ })).toHaveCount(0);
  await screenshot(page, "policies-read-only");

  await row.getByRole("button", { name: `View policy ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Policy ${name}` });
  await expect(dialog.getByLabel("Name")).toHaveValue(name);
  await expect(dialog.getByLabel("Name")).toBeDisabled();
  await expect(dialog.getByLabel("Max calls")).toHaveValue("30");
  await expect(dialog.getByRole("button", { name: /Save|Create/ })).toHaveCount(0);
  await dialog.getByRole("button", { name: "Close" }).first().click();

  const refused = await callTrpc(page.request, "policies.setEnabled", { id: policyId, enabled: false });
  expect(refused.status).toBe(403);
  expect(refused.message).toContain("policies.write");
  const list = await callTrpc(page.request, "policies.list", undefined, "query");
  expect(list.status).toBe(200);
  expect((list.data as Array<{ id: string; enabled: boolean }>).find((p) => p.id === policyId)?.enabled).toBe(
    true,
  );
});
