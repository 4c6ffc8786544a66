import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";

// Issue 10, point 1 in the browser: a stdio server's connection test runs in the worker (the
// console never starts a program) and its page shows the exact command line it starts.
const FIXTURE = fileURLToPath(new URL("../../packages/testkit/fixtures/stdio-server.mjs", import.meta.url));

test("an admin adds a stdio server: tested by the worker, saved with its exact command line and network setting", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, "admin@example.com", "/servers/new");
  const form = page.getByRole("form", { name: "Add server" });
  await form.getByLabel("Name").fill("local-stdio");
  await form.getByLabel("Transport").selectOption("stdio");
  await form.getByLabel("Command").fill("node");
  await form.getByLabel("Arguments").fill(`${FIXTURE}\n--label\ntwo words`);
  await form.getByLabel(/Network access/).uncheck();
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.getByRole("status").filter({ hasText: "Connected in" })).toContainText("echo", {
    timeout: 30_000,
  });
  await form.getByRole("button", { name: "Add server" }).click();
  await expect(page).toHaveURL(/\/servers\/srv_/);
  await expect(page.getByText(`node ${FIXTURE} --label 'two words'`, { exact: true })).toBeVisible();
  await expect(page.getByText("Cut off")).toBeVisible();
  await screenshot(page, "server-stdio");
});
