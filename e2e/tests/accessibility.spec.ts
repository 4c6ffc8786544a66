import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { signIn } from "../support/login";
import { type PageFixtures, seedPageFixtures } from "../support/seed-pages";

// Every page of the console, scanned by axe-core for WCAG 2.0/2.1/2.2 A and AA rules.
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

let fixtures: PageFixtures;

test.beforeAll(async () => {
  fixtures = await seedPageFixtures("a11y");
});

/** The violations axe finds on the page as it is now, one line each (rule, impact, first nodes). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(" "))
        .slice(0, 3)
        .join(", ")}`,
  );
}

async function expectAccessible(page: Page, path: string, ready: (page: Page) => Promise<void>) {
  await page.goto(path);
  await ready(page);
  expect(await violations(page), `axe violations on ${path}`).toEqual([]);
}

const heading = (name: string | RegExp) => async (page: Page) => {
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  // Loading skeletons are replaced by content before the scan.
  await expect(page.locator('[role="status"]', { hasText: /Loading/ })).toHaveCount(0);
};

test("the login page has no WCAG A/AA violation", async ({ page }) => {
  await expectAccessible(page, "/login", async (p) => {
    await expect(p.getByRole("button", { name: /Sign in with/ })).toBeVisible();
  });
});

test("every console page has no WCAG A/AA violation", async ({ page }) => {
  // Twenty pages, each loaded and scanned: minutes on a busy two-core machine.
  test.setTimeout(300_000);
  await signIn(page, "admin@example.com");
  const { label } = fixtures;
  const pages: Array<[string, string | RegExp]> = [
    ["/", "Overview"],
    ["/servers", "Servers"],
    ["/servers/new", "Add server"],
    [`/servers/${fixtures.serverId}`, new RegExp(`^${label}-server`)],
    [`/servers/${fixtures.serverId}/edit`, `Edit ${label}-server`],
    [`/servers/${fixtures.serverId}/tools/${fixtures.toolId}`, new RegExp(`${label}-server__lookup`)],
    ["/review", "Tool review"],
    [`/review/${fixtures.quarantinedToolId}`, `${label}-server__drop`],
    ["/agents", "Agents"],
    [`/agents/${fixtures.agentId}`, new RegExp(`^${label}-bot`)],
    ["/grants", "Grants"],
    [`/grants?agent=${fixtures.agentId}`, "Grants"],
    ["/policies", "Policies"],
    ["/approvals", "Approvals"],
    ["/teams", "Teams"],
    ["/members", "Members"],
    ["/history", "History"],
    ["/history/audit", "History"],
    ["/dashboard", "Dashboard"],
    ["/audit", "Audit log"],
  ];
  const found: string[] = [];
  for (const [path, title] of pages) {
    await page.goto(path);
    await heading(title)(page);
    for (const line of await violations(page)) found.push(`${path}: ${line}`);
  }
  expect(found).toEqual([]);
});

test("an open dialog traps focus and has no WCAG A/AA violation", async ({ page }) => {
  await signIn(page, "admin@example.com", "/teams");
  await page.getByRole("button", { name: "New team" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  expect(await violations(page)).toEqual([]);
  // Tabbing through the dialog never leaves it.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
});
