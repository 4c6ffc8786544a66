import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { seedScaleOrganization } from "../support/seed-scale";
import { SCALE_ADMIN } from "../support/users";

// The console as an admin uses it on a real installation: 100 servers, 5,000 tools, 40
// teams, 200 agents, 10,000 people (its own organization, seeded once per run).
test.beforeAll(async () => {
  await seedScaleOrganization();
});

async function expectNoAxeViolations(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  expect(
    result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}

test("the grant editor finds a team, filters its access and requires approval for every destructive tool", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signIn(page, SCALE_ADMIN.email, "/grants");
  // A large installation opens on the focused view, not on a 100-column matrix.
  await expect(page.getByRole("button", { name: "By team or agent", pressed: true })).toBeVisible();
  await expect(page.getByRole("table", { name: /^Access by server/ })).toHaveCount(0);

  await page.getByRole("combobox", { name: "Find a team, agent or person" }).fill("team-03");
  await page.getByRole("option", { name: /^team-03/ }).click();
  await expect(page).toHaveURL(/for=team%3Ae2ebig_team_3|for=team:e2ebig_team_3/);
  const byServer = page.getByRole("table", { name: "Access of team team-03 by server" });
  // Everything on its ten servers (30–39), destructive tools there only with approval.
  const granted = byServer.getByRole("row").filter({ hasText: "srv-031" });
  await expect(granted).toContainText("44 allowed");
  await expect(granted).toContainText("6 requires approval");
  await expect(granted).toContainText("* → allow, delete_* → approve");
  await expect(byServer.getByRole("row").filter({ hasText: "srv-000" })).toContainText("50 no grant");

  // Narrow to destructive tools: every server has six, most without any grant.
  await page.getByRole("group", { name: "Risk" }).getByLabel("destructive").check();
  await expect(byServer.getByRole("row").filter({ hasText: "srv-000" })).toContainText("6 no grant");
  await expect(granted).toContainText("6 requires approval");
  await expectNoAxeViolations(page);
  await screenshot(page, "grants-by-team-filtered");

  // Bulk: require approval for all of them — previewed before anything is saved.
  await page.getByLabel("Bulk effect").selectOption("approve");
  await page.getByRole("button", { name: "Preview change" }).click();
  const preview = page.getByRole("dialog", { name: "Preview: requires approval for team team-03" });
  await expect(preview.getByRole("status")).toContainText(
    "540 grants to write (0 unchanged); 540 of 600 tools change access",
  );
  const changed = preview
    .getByRole("table", { name: "Access after the change" })
    .getByRole("row")
    .filter({ hasText: "srv-000__delete_tool-0005" });
  await expect(changed.getByRole("cell").nth(1)).toHaveText("No grant");
  await expect(changed.getByRole("cell").nth(2)).toHaveText("Requires approval");
  await expectNoAxeViolations(page);
  await screenshot(page, "grants-bulk-preview");
  await preview.getByRole("button", { name: "Save 540 grants" }).click();
  await expect(page.getByText("Saved: 540 grants created, 0 updated")).toBeVisible({ timeout: 90_000 });
  await expect(byServer.getByRole("row").filter({ hasText: "srv-000" })).toContainText("6 requires approval");

  // A server's row opens its tools, each with the grant that decides it.
  await page.getByRole("button", { name: "srv-000", exact: true }).click();
  const tools = page.getByRole("table", { name: "Tools and their access" });
  await expect(tools.getByRole("row").filter({ hasText: "srv-000__delete_tool-0005" })).toContainText(
    "delete_tool-0005 → approve",
  );
  await screenshot(page, "grants-by-team-tools");

  // By server: every team and agent on srv-031; an agent inherits its team's grants.
  await page.getByRole("button", { name: "By server" }).click();
  await page.getByLabel("Focus server").selectOption({ label: "srv-031" });
  await page.getByRole("searchbox", { name: "Search teams and agents" }).fill("agent-003");
  const byPrincipal = page.getByRole("table", { name: "Access to srv-031 by team and agent" });
  const agentRow = byPrincipal.getByRole("row").filter({ hasText: "agent-003" });
  await expect(agentRow).toContainText("44 allowed");
  await expect(agentRow).toContainText("team team-03");
  await expectNoAxeViolations(page);
  await screenshot(page, "grants-by-server");
});

test("the command palette finds agents and tools by keyboard", async ({ page }) => {
  await signIn(page, SCALE_ADMIN.email, "/");
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Search the console" });
  await expect(palette).toBeVisible();
  await page.keyboard.type("agent-042");
  await expect(palette.getByRole("option", { name: /agent-042/ })).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, "command-palette");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/agents\/e2ebig_agt_42$/);
  await expect(page.getByRole("heading", { level: 1, name: /agent-042/ })).toBeVisible();

  await page.keyboard.press("Control+k");
  await page.keyboard.type("srv-007__delete_tool-0010");
  await expect(palette.getByRole("option", { name: /srv-007__delete_tool-0010/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/servers\/e2ebig_srv_7\/tools\/e2ebig_tool_7_10$/);

  // Portals and people too, each opening the page that shows it.
  await page.keyboard.press("Control+k");
  await page.keyboard.type("oncall");
  await expect(palette.getByRole("option", { name: /oncall-desk/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/portals\?portal=e2ebig_ptl_oncall$/);
  await expect(page.getByRole("status").filter({ hasText: "Showing portal oncall-desk." })).toBeVisible();
  await expect(page.getByRole("table", { name: "Portals" }).getByRole("row")).toHaveCount(2);

  await page.keyboard.press("Control+k");
  await page.keyboard.type("person-04242");
  await expect(palette.getByRole("option", { name: /person-04242@example\.com/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/members\?search=person-04242%40example\.com$/);
  await expect(page.getByRole("searchbox", { name: "Search members" })).toHaveValue(
    "person-04242@example.com",
  );
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row")).toHaveCount(2);

  // Pages are in the box too, and Escape closes it where it was.
  await page.keyboard.press("Control+k");
  await page.keyboard.type("audit");
  await expect(palette.getByRole("option", { name: "Audit log" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(palette).toHaveCount(0);
});

test("the policy editor finds a person among 10,000 by keyboard and saves them by email", async ({
  page,
}) => {
  await signIn(page, SCALE_ADMIN.email, "/policies");
  await page.getByRole("button", { name: "New policy" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New policy" });
  const name = `people-${Date.now()}`;
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("checkbox", { name: "email", exact: true }).check();
  const picker = dialog.getByRole("combobox", { name: "Add a person" });
  await picker.fill("person-04242");
  await expect(dialog.getByRole("option", { name: /Person 4242.*person-04242@example\.com/ })).toBeVisible();
  await picker.press("Enter");
  const chips = dialog.getByTestId("scope-users");
  await expect(chips).toContainText("person-04242@example.com");
  await expect(picker).toHaveValue("");
  // Someone already chosen is not offered again.
  await picker.fill("person-04242");
  await expect(dialog.getByText("No one else matches.")).toBeVisible();
  await picker.fill("Person 77");
  await expect(dialog.getByRole("option", { name: /person-00077@example\.com/ })).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, "policy-people-picker");
  await picker.fill("");
  await dialog.getByRole("button", { name: "Create policy" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("table", { name: "Policies" }).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("users: person-04242@example.com");
});

test("lists page on the server and the agent preview scrolls through hundreds of tools", async ({ page }) => {
  await signIn(page, SCALE_ADMIN.email, "/members");
  const members = page.getByRole("table", { name: "Members" });
  await expect(page.getByRole("navigation", { name: "Pagination" })).toContainText("1–50 of 10,001");
  await page.getByRole("searchbox", { name: "Search members" }).fill("person-09999");
  await expect(members.getByRole("row")).toHaveCount(2);
  await expect(members).toContainText("person-09999@example.com");

  await page.goto("/servers");
  await page.getByRole("button", { name: /^Last sync/ }).click();
  await expect(page.getByRole("columnheader", { name: /Last sync/ })).toHaveAttribute(
    "aria-sort",
    "ascending",
  );
  await expect(page.getByRole("navigation", { name: "Pagination" })).toContainText("1–50 of 100");

  await page.goto("/grants?agent=e2ebig_agt_3");
  const preview = page.getByRole("table", { name: "Tools agent-003 sees" });
  await expect(preview).toBeVisible();
  const total = Number(await preview.getAttribute("aria-rowcount")) - 1;
  expect(total).toBeGreaterThan(400);
  // Virtualized: far fewer rows in the DOM than tools.
  expect(await preview.locator("tbody tr").count()).toBeLessThan(80);
  await page.getByRole("region", { name: /Tools agent-003 sees/ }).evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(preview.locator(`tr[aria-rowindex="${total + 1}"]`)).toBeVisible();
  await screenshot(page, "agent-preview-virtualized");
});
