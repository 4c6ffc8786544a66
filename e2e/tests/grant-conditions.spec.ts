import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { stack } from "../support/stack-env";
import { syncCatalog, trpc } from "../support/trpc";

// Issue 4 in the browser: an admin makes an approve grant conditional in the grant editor
// (the JSON is checked as it is typed), the matrix cell marks it "approval if…", and the
// agent preview says which calls will wait. Clearing the condition makes every call wait.
const label = `cond-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const agentName = `${label}-bot`;
const tool = `${serverName}__delete-everything`;

test("an admin sets an argument condition on an approve grant and the preview follows", async ({ page }) => {
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
  await condition.fill('{ "path": "confirm" }');
  await expect(form.getByText(/not a condition/)).toBeVisible();
  await form.getByRole("button", { name: "Add rule" }).click();
  // Refused in the browser: nothing was saved.
  await expect(
    page.getByRole("button", { name: `Edit grant agent ${agentName} delete-everything` }),
  ).toHaveCount(0);

  await condition.fill('{ "path": "confirm", "equals": true }');
  await form.getByLabel("Reason").fill("Confirmed deletes need a human");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText("only when confirm is true", { exact: true })).toBeVisible();
  await expect(
    page.getByTitle("Requires approval only when confirm is true; other calls are allowed"),
  ).toBeVisible();

  const preview = page.getByRole("table", { name: `Tools ${agentName} sees` });
  const row = preview.getByRole("row").filter({ hasText: tool });
  await expect(row).toContainText("Approval if…");
  await expect(row).toContainText("Requires approval when confirm is true");
  await screenshot(page, "grant-condition");

  // Edit the rule: the form is filled with it; emptying the condition makes every call wait.
  await page.getByRole("button", { name: `Edit grant agent ${agentName} delete-everything` }).click();
  const editForm = page.getByRole("form", { name: "Edit a rule" });
  await expect(editForm.getByLabel("Only when the arguments match")).toHaveValue(/"confirm"/);
  await editForm.getByLabel("Only when the arguments match").fill("");
  await editForm.getByRole("button", { name: "Save rule" }).click();
  await expect(row).toContainText("Requires approval (always)");
  await expect(page.getByText("only when confirm is true", { exact: true })).toHaveCount(0);

  const grants = await trpc<Array<{ toolPattern: string; condition: unknown; reason: string | null }>>(
    r,
    "grants.list",
    { serverId },
    "query",
  );
  expect(grants).toEqual([
    expect.objectContaining({
      toolPattern: "delete-everything",
      condition: null,
      reason: "Confirmed deletes need a human",
    }),
  ]);
});
