import { expect, type Page } from "@playwright/test";
import { artifactsDir } from "./artifacts";
import { DEMO_PASSWORD } from "./users";

/**
 * Signs in through the console's login page and the OpenID provider's password form, as a
 * person would, and waits until the console shows who is signed in.
 */
export async function signIn(page: Page, email: string, path = "/"): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login/);
  await page.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByText(email, { exact: true })).toBeVisible();
}

/** Saves a full-page screenshot into e2e/artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactsDir()}/screenshots/${name}.png`, fullPage: true });
}
