import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { callTrpc } from "../support/trpc";
import { DEMO_PASSWORD, INVITEE } from "../support/users";

test("an admin invites a person, who joins with the invited role; removed, they lose access at once", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const adminContext = await browser.newContext();
  const inviteeContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const invitee = await inviteeContext.newPage();

  // Not a member yet: the provider knows them, the console refuses them with a reason.
  await invitee.goto("/login");
  await invitee.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await invitee.getByLabel("Email").fill(INVITEE.email);
  await invitee.getByLabel("Password").fill(DEMO_PASSWORD);
  await invitee.getByRole("button", { name: "Sign in", exact: true }).click();
  // (Next.js keeps an empty route-announcer alert on every page: pick ours by its text.)
  await expect(invitee.getByRole("alert").filter({ hasText: "not a member" })).toHaveText(
    `${INVITEE.email} is not a member of this Portcullis installation. Ask an admin for an invitation, then sign in again.`,
  );

  // The admin invites them as an approver and hands over the accept link.
  await signIn(admin, "admin@example.com", "/members");
  await admin.getByRole("button", { name: "Invite member" }).click();
  const dialog = admin.getByRole("dialog", { name: "Invite a member" });
  await dialog.getByLabel("Email").fill("not an email");
  await dialog.getByRole("button", { name: "Create invitation" }).click();
  await expect(dialog.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText("Enter a valid email address, like name@example.com")).toBeVisible();
  await dialog.getByLabel("Email").fill(INVITEE.email);
  await dialog.getByLabel("Role").selectOption("approver");
  await dialog.getByRole("button", { name: "Create invitation" }).click();
  const created = admin.getByRole("dialog", { name: "Invitation created" });
  const acceptUrl = (await created.getByTestId("accept-url").textContent())?.trim() ?? "";
  expect(acceptUrl).toMatch(/\/login\?invite=inv_/);
  await screenshot(admin, "members-invitation");
  await created.getByRole("button", { name: "Done" }).click();
  await expect(admin.getByRole("table", { name: "Open invitations" }).getByText(INVITEE.email)).toBeVisible();

  // The invitee follows the link, sees what they are invited to, and signs in.
  await invitee.goto(new URL(acceptUrl).pathname + new URL(acceptUrl).search);
  await expect(invitee.getByText("You are invited to join")).toContainText("as approver");
  await invitee.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await expect(invitee.getByTestId("current-role")).toHaveText("approver");

  // Listed as a member now; the admin changes their role, then removes them.
  await admin.reload();
  const members = admin.getByRole("table", { name: "Members" });
  await expect(members.getByText(INVITEE.email)).toBeVisible();
  await members.getByLabel(`Role of ${INVITEE.email}`).selectOption("auditor");
  await expect(admin.getByText("Role changed to auditor")).toBeVisible();
  await screenshot(admin, "members");
  await invitee.reload();
  await expect(invitee.getByTestId("current-role")).toHaveText("auditor");

  await members.getByRole("button", { name: `Remove ${INVITEE.email}` }).click();
  await admin
    .getByRole("dialog", { name: `Remove ${INVITEE.email}?` })
    .getByRole("button", { name: "Remove member" })
    .click();
  // The dialog closes once the removal is saved (while a modal is open, the page behind it
  // is hidden from the accessibility tree, so the table would seem empty too early).
  await expect(admin.getByRole("dialog")).toHaveCount(0);
  await expect(members.getByText(INVITEE.email)).toHaveCount(0);

  // Their session cookie is still valid, but it no longer opens anything.
  const api = await callTrpc(invitee.request, "agents.list", undefined, "query");
  expect(api.status).toBe(403);
  await invitee.goto("/agents");
  await expect(invitee).toHaveURL(/\/login\?error=Removed/);
  await expect(invitee.getByRole("alert").filter({ hasText: "no longer belongs" })).toBeVisible();

  await adminContext.close();
  await inviteeContext.close();
});
