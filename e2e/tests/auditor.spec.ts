import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { grantEffect, type SeededGrant, seedServerTeamGrant } from "../support/seed";
import { callTrpc } from "../support/trpc";

let seeded: SeededGrant;

test.beforeAll(async () => {
  seeded = await seedServerTeamGrant("audited");
});

test("an auditor sees grants but cannot change them, in the UI or by calling the API", async ({ page }) => {
  await signIn(page, "auditor@example.com");
  await expect(page.getByTestId("current-role")).toHaveText("auditor");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Grants" }).click();
  await expect(page.getByRole("heading", { name: "Grants" })).toBeVisible();
  await expect(page.getByRole("note")).toContainText("Read-only");
  // The grant is shown, and its control cannot be used.
  const cell = page.getByLabel("Grant for team audited-team on audited-server");
  await expect(cell).toHaveValue("allow");
  await expect(cell).toBeDisabled();
  await page.getByRole("button", { name: "Tools of audited-server" }).click();
  await expect(page.getByLabel("Grant for team audited-team on audited-server__lookup")).toBeDisabled();
  await expect(page.getByRole("form", { name: "Add a rule" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Delete grant/ })).toHaveCount(0);
  await screenshot(page, "grants-read-only");

  // A hand-made request with the auditor's session is refused by the server too.
  const set = await callTrpc(page.request, "grants.set", {
    subject: { type: "team", id: seeded.teamId },
    serverId: seeded.serverId,
    toolPattern: "*",
    effect: "deny",
  });
  expect(set.status).toBe(403);
  expect(set.code).toBe("FORBIDDEN");
  expect(set.message).toContain("not allowed");
  const removed = await callTrpc(page.request, "grants.delete", { id: seeded.grantId });
  expect(removed.status).toBe(403);
  expect(removed.message).toContain("not allowed");
  expect(await grantEffect(seeded.grantId)).toBe("allow");

  // Reading is allowed: the same session lists the grant.
  const list = await callTrpc(page.request, "grants.list", undefined, "query");
  expect(list.status).toBe(200);
  expect(JSON.stringify(list.data)).toContain(seeded.grantId);
});
