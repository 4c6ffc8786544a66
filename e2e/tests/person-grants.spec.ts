import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { stack } from "../support/stack-env";
import { syncCatalog, trpc } from "../support/trpc";

// Issue 11 point 4 in the browser: grants name people. An admin finds a person in the grant
// editor's picker, sees their access (their team's grant inherited, their own deny winning),
// and "What can this person see?" lists exactly the tools their MCP client would get.
const label = `ppl-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const teamName = `${label}-team`;

test("an admin sees and previews a person's access: their teams' grants and their own", async ({ page }) => {
  await signIn(page, "admin@example.com");
  const r = page.request;
  const { fixtureUrl } = stack();
  const { id: teamId } = await trpc<{ id: string }>(r, "teams.create", { name: teamName });
  const { id: serverId } = await trpc<{ id: string }>(r, "servers.create", {
    name: serverName,
    transport: "streamable-http",
    url: fixtureUrl,
  });
  await syncCatalog(r, serverId);
  await trpc(r, "teams.addMember", { teamId, email: "member@example.com" });
  const members = await trpc<{ items: Array<{ userId: string; email: string }> }>(
    r,
    "members.page",
    { search: "member@example.com" },
    "query",
  );
  const userId = members.items.find((m) => m.email === "member@example.com")!.userId;
  await trpc(r, "grants.set", {
    subject: { type: "team", id: teamId },
    serverId,
    toolPattern: "*",
    effect: "allow",
  });
  await trpc(r, "grants.set", {
    subject: { type: "user", id: userId },
    serverId,
    toolPattern: "echo",
    effect: "deny",
  });

  // The picker finds the person by email and opens their access.
  await page.goto("/grants?view=principal");
  await page.getByPlaceholder("Find a team, agent or person…").fill("member@example");
  await page
    .getByRole("option", { name: /member@example\.com/ })
    .first()
    .click();
  // The member may be in other specs' teams too: theirs are listed beside this one.
  await expect(page.getByText(new RegExp(`those of .*${teamName}`))).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: serverName });
  await expect(row).toContainText("* → allow (team)");
  await expect(row).toContainText("echo → deny");

  // "What can this person see?": the team's tools without the one their own grant denies.
  await page.goto(`/grants?person=${userId}`);
  const preview = page.getByRole("table", { name: /Tools .*member@example\.com.* sees/ });
  await expect(preview.getByText(`${serverName}__add`)).toBeVisible();
  await expect(preview.getByText(`${serverName}__echo`)).toHaveCount(0);
  await screenshot(page, "person-grants");
});
