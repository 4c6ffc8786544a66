import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { callTrpc } from "../support/trpc";

test("a member opening an admin page sees the not-allowed page", async ({ page }) => {
  await signIn(page, "member@example.com");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Agents" })).toBeVisible();
  // Links the role cannot use are hidden…
  await expect(nav.getByRole("link", { name: "Members" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "History" })).toHaveCount(0);

  // …and the page itself answers "not allowed" when opened directly.
  await page.goto("/members");
  await expect(page).toHaveURL(/\/not-allowed\?permission=members\.read/);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByText("Your role, member, does not allow this page")).toBeVisible();
  await expect(page.getByText("members.read")).toBeVisible();
  await screenshot(page, "not-allowed");

  const direct = await callTrpc(page.request, "members.list", undefined, "query");
  expect(direct.status).toBe(403);
  expect(direct.message).toContain("not allowed");

  // A member cannot create agents either: no button, and the server refuses.
  await page.goto("/agents");
  await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
  await expect(page.getByRole("button", { name: "New agent" })).toHaveCount(0);
  const create = await callTrpc(page.request, "agents.create", { name: "sneaky", teamId: "team_x" });
  expect(create.status).toBe(403);
});

test("logout ends the session, even for a copy of its cookie", async ({ page, context }) => {
  await signIn(page, "approver@example.com");
  await expect(page.getByTestId("current-role")).toHaveText("approver");
  const cookiesBefore = await context.cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signedOut=1/);
  await expect(page.getByText("You are signed out.")).toBeVisible();
  // Someone who kept a copy of the session cookie gets nothing from it either.
  await context.addCookies(cookiesBefore.filter((c) => c.name.includes("session-token")));

  // The console and its API no longer know this browser.
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fagents/);
  const me = await callTrpc(page.request, "me.get", undefined, "query");
  expect(me.status).toBe(401);

  // Signing in again after signing out asks for the password (prompt=login), so another
  // account can be used even though the provider still has its own session.
  await page.goto("/login?signedOut=1");
  await page.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await expect(page.getByLabel("Password")).toBeVisible();
});

test("an unknown person is told they are not a member", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
});
