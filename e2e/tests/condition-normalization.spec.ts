import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { stack } from "../support/stack-env";
import { syncCatalog, trpc } from "../support/trpc";

// Issue #10 point 10 in the browser: the grant editor says how each value of a condition
// compares (exactly, or ignoring case and surrounding spaces), one switch writes
// `normalize`, and the saved rule and the agent preview say it too.
const label = `norm-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const agentName = `${label}-bot`;
const tool = `${serverName}__delete-everything`;

test("the grant editor says whether a condition compares exactly, and can make it forgiving", async ({
  page,
}) => {
  await signIn(page, "admin@example.com");
  const r = page.request;
  const { id: teamId } = await trpc<{ id: string }>(r, "teams.create", { name: `${label}-team` });
  const { id: serverId } = await trpc<{ id: string }>(r, "servers.create", {
    name: serverName,
    transport: "streamable-http",
    url: stack().fixtureUrl,
  });
  await syncCatalog(r, serverId);
  const { id: agentId } = await trpc<{ id: string }>(r, "agents.create", { name: agentName, teamId });

  await page.goto(`/grants?server=${serverId}&agent=${agentId}`);
  const form = page.getByRole("form", { name: "Add a rule" });
  await form.getByLabel("Team or agent").selectOption({ label: `Agent ${agentName}` });
  await form.getByLabel("Tools").fill("delete-everything");
  await form.getByLabel("Effect").selectOption({ label: "Requires approval" });
  const condition = form.getByLabel("Only when the arguments match");
  await condition.fill('{ "path": "env", "in": ["prod"] }');

  const rules = form.getByRole("list", { name: "How values compare" });
  await expect(rules).toHaveText("env compares exactly (case and surrounding spaces count)");
  const forgiving = form.getByLabel("Ignore case and surrounding spaces");
  await expect(forgiving).not.toBeChecked();
  await forgiving.check();
  await expect(rules).toHaveText("env compares ignoring case and surrounding spaces");
  expect(JSON.parse(await condition.inputValue())).toEqual({
    path: "env",
    in: ["prod"],
    normalize: ["trim", "ignore-case"],
  });
  await screenshot(page, "grant-condition-normalize");

  await form.getByLabel("Reason").fill("Production needs a human");
  await form.getByRole("button", { name: "Add rule" }).click();
  const summary = 'env is "prod" (ignoring case and surrounding spaces)';
  await expect(page.getByText(`only when ${summary}`, { exact: true })).toBeVisible();
  const row = page
    .getByRole("table", { name: `Tools ${agentName} sees` })
    .getByRole("row")
    .filter({ hasText: tool });
  await expect(row).toContainText(`Requires approval when ${summary}`);

  const grants = await trpc<Array<{ condition: unknown }>>(r, "grants.list", { serverId }, "query");
  expect(grants.map((g) => g.condition)).toEqual([
    { path: "env", in: ["prod"], normalize: ["trim", "ignore-case"] },
  ]);
});
