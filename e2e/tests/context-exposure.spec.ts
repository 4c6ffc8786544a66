import { expect, test } from "@playwright/test";
import { createAgent } from "@portcullis/control/agents/create-agent";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { createDb } from "@portcullis/db/client";
import { screenshot, signIn } from "../support/login";
import { connectAgent } from "../support/mcp";
import { seedServerTeamGrant } from "../support/seed";
import { stack } from "../support/stack-env";

// Issue 13 in the browser: an admin switches an agent to `search` exposure on its page (the
// token cost of each mode shown), the gateway then lists only the meta-tools to that agent,
// and a search that finds nothing shows up on the dashboard.
test("an admin sets an agent's exposure to search; its searches that found nothing reach the dashboard", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const { teamId } = await seedServerTeamGrant("ctx");
  const db = createDb(stack().databaseUrl, { max: 1 });
  const actor = { type: "cli" as const, name: "e2e seed" };
  const org = await db.organization.findUniqueOrThrow({ where: { slug: stack().orgSlug } });
  const agent = await createAgent(db, { orgId: org.id, actor, name: "ctx-bot", teamId });
  const { key } = await createApiKey(db, { orgId: org.id, agentName: "ctx-bot", actor });
  await db.$disconnect();

  await signIn(page, "admin@example.com", `/agents/${agent.id}`);
  const card = page.getByRole("region", { name: "Context cost per exposure mode" });
  await expect(card.getByRole("listitem").filter({ hasText: "(in force)" })).toContainText("full");
  await page.getByLabel("How its tools reach the model").selectOption("search");
  await expect(page.getByText("Exposure set to search")).toBeVisible();
  await expect(card.getByRole("listitem").filter({ hasText: "(in force)" })).toContainText("search");
  await expect(card.getByRole("listitem").filter({ hasText: "search" })).toContainText(/\d+ tokens/);
  await screenshot(page, "agent-exposure");

  // The change reaches the gateway with the next snapshot: only the meta-tools are listed.
  const client = await connectAgent(stack().gatewayMcpUrl, key);
  await expect
    .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 15_000 })
    .toEqual(["search_tools", "call_tool"]);
  const found = await client.callTool({ name: "search_tools", arguments: { query: "looks something up" } });
  expect(JSON.stringify(found.structuredContent)).toContain("ctx-server__lookup");
  const miss = await client.callTool({ name: "search_tools", arguments: { query: "qqqq zzzz" } });
  expect(miss.isError).toBeFalsy();
  await client.close();

  await page.goto("/dashboard");
  const unmatched = page.getByRole("table", { name: "Tool searches that found nothing" });
  await expect
    .poll(
      async () => {
        await page.reload();
        // Wait for the card to answer (on a busy installation it takes a moment), not just the page.
        await expect(
          unmatched.or(page.getByText("Every tool search in this period found a tool.")),
        ).toBeVisible({
          timeout: 10_000,
        });
        return (await unmatched.count()) > 0 ? ((await unmatched.textContent()) ?? "") : "";
      },
      { timeout: 45_000, intervals: [1_000] },
    )
    .toContain("qqqq zzzz");
  await screenshot(page, "dashboard-unmatched-searches");
});
