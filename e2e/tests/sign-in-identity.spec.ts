import { expect, type Page, test } from "@playwright/test";
import { signIn } from "../support/login";
import { trpc } from "../support/trpc";
import { DEMO_PASSWORD, UNVERIFIED } from "../support/users";

// Issue #10 point 2 through the real sign-in: the dev provider says `email_verified: false`
// for this person, so their email claims nothing, not even through a valid invitation link.

async function signInAtProvider(page: Page, email: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("an unverified email does not claim an invitation, even through its link", async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, "admin@example.com", "/members");
  const { acceptUrl } = await trpc<{ acceptUrl: string }>(admin.request, "members.invite", {
    email: UNVERIFIED.email,
    role: "admin",
  });

  const personContext = await browser.newContext();
  const person = await personContext.newPage();
  const link = new URL(acceptUrl);
  await person.goto(`${link.pathname}${link.search}`);
  await expect(person.getByText("You are invited to join")).toContainText("as admin");
  await signInAtProvider(person, UNVERIFIED.email);
  await expect(person.getByRole("alert").filter({ hasText: "has not verified" })).toHaveText(
    `Your identity provider has not verified ${UNVERIFIED.email}. An invitation needs a verified email; verify it there, then open the invitation link again.`,
  );

  // Nothing was accepted: the invitation is still open, and nobody joined.
  await admin.reload();
  await expect(
    admin.getByRole("table", { name: "Open invitations" }).getByText(UNVERIFIED.email),
  ).toBeVisible();
  await expect(admin.getByRole("table", { name: "Members" }).getByText(UNVERIFIED.email)).toHaveCount(0);

  await adminContext.close();
  await personContext.close();
});
