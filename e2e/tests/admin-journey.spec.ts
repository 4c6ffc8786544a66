import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { connectAgent, toolsListStatus } from "../support/mcp";
import { stack } from "../support/stack-env";

test("an admin adds a server, an agent, a key and a grant; the agent sees exactly that; a revoked key is refused", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const { fixtureUrl, gatewayMcpUrl } = stack();

  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Sign in with Portcullis dev SSO" })).toBeVisible();
  await screenshot(page, "login");
  await signIn(page, "admin@example.com");
  await expect(page.getByTestId("current-role")).toHaveText("admin");
  // Other specs (the accessibility scan seeds its own pages) may have run first: count from here.
  await page.goto("/");
  await expect(page.getByTestId("count-servers")).toHaveText(/^\d+$/);
  await expect(page.getByTestId("count-agents")).toHaveText(/^\d+$/);
  const serversBefore = Number(await page.getByTestId("count-servers").textContent());
  const agentsBefore = Number(await page.getByTestId("count-agents").textContent());
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  // ── Add the upstream server, test the connection, save.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Servers" }).click();
  await page.getByRole("link", { name: "Add server" }).first().click();
  await expect(page.getByRole("heading", { name: "Add server" })).toBeVisible();
  const form = page.getByRole("form", { name: "Add server" });
  // Validation speaks next to the field before anything is sent.
  await form.getByRole("button", { name: "Add server" }).click();
  await expect(form.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Name").fill("fixture");
  await form.getByLabel("Description").fill("Fixture MCP server of the e2e run");
  await form.getByLabel("URL").fill(fixtureUrl);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.getByRole("status").filter({ hasText: "Connected in" })).toContainText("echo");
  await form.getByRole("button", { name: "Add server" }).click();
  await expect(page).toHaveURL(/\/servers\/srv_/);

  // ── Sync its catalog: a worker job with a progress bar that reaches done.
  await page.getByRole("button", { name: "Sync catalog" }).click();
  const bar = page.getByRole("progressbar", { name: "Catalog of fixture synced" });
  await expect(bar).toBeVisible({ timeout: 30_000 });
  await expect(bar).toHaveAttribute("aria-valuenow", "100");
  const tools = page.getByRole("table", { name: "Tools" });
  await expect(tools.getByRole("link", { name: "echo", exact: true })).toBeVisible();
  await expect(tools.getByRole("link", { name: "delete-everything", exact: true })).toBeVisible();
  await screenshot(page, "server-tools");
  await page.goto("/servers");
  await expect(
    page.getByRole("table", { name: "Servers" }).getByRole("link", { name: "fixture" }),
  ).toBeVisible();
  await screenshot(page, "servers");

  // ── A team and an agent in it.
  await page.goto("/teams");
  await page.getByRole("button", { name: "New team" }).first().click();
  const teamDialog = page.getByRole("dialog", { name: "New team" });
  await teamDialog.getByLabel("Name").fill("Platform Team");
  await teamDialog.getByRole("button", { name: "Create team" }).click();
  await expect(teamDialog.getByRole("alert")).toContainText("lowercase");
  await teamDialog.getByLabel("Name").fill("platform");
  await teamDialog.getByRole("button", { name: "Create team" }).click();
  await expect(teamDialog).toBeHidden();
  await expect(
    page.getByRole("table", { name: "Teams" }).getByText("platform", { exact: true }),
  ).toBeVisible();

  await page.goto("/agents");
  await page.getByRole("button", { name: "New agent" }).first().click();
  const agentDialog = page.getByRole("dialog", { name: "New agent" });
  await agentDialog.getByLabel("Name").fill("ci-bot");
  await agentDialog.getByLabel("Team").selectOption({ label: "platform" });
  await agentDialog.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/agt_/);
  await expect(page.getByRole("heading", { name: "ci-bot" })).toBeVisible();

  // ── A key: shown once, with a copy button and a ready mcp.json.
  await page.getByRole("button", { name: "Create key" }).first().click();
  const keyForm = page.getByRole("dialog", { name: "New API key for ci-bot" });
  await keyForm.getByLabel("Name").fill("e2e");
  await keyForm.getByLabel("Expires").selectOption({ label: "In 30 days" });
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const keyDialog = page.getByRole("dialog", { name: "Copy the new key now" });
  const key = (await keyDialog.getByTestId("new-api-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^pcs_/);
  await expect(keyDialog.getByRole("button", { name: "Copy key" })).toBeVisible();
  const mcpJson = JSON.parse((await keyDialog.getByTestId("mcp-json").textContent()) ?? "{}");
  expect(mcpJson).toEqual({
    mcpServers: {
      portcullis: { type: "http", url: gatewayMcpUrl, headers: { Authorization: `Bearer ${key}` } },
    },
  });
  await screenshot(page, "agent-key-dialog");
  await keyDialog.getByRole("button", { name: "I have copied the key" }).click();
  await expect(keyDialog).toBeHidden();
  const keyPrefix = key.slice(0, 8);
  await expect(page.getByRole("table", { name: "API keys" }).getByText("active")).toBeVisible();
  await screenshot(page, "agent");

  // Default deny: before any grant the agent sees no tools at all.
  const agent = await connectAgent(gatewayMcpUrl, key);
  expect((await agent.listTools()).tools).toEqual([]);

  // ── Grant the team two tools of the server, per tool.
  await page.goto("/grants");
  await page.getByRole("button", { name: "Tools of fixture" }).click();
  const toolGrants = page.getByRole("table", { name: "Grants on the tools of fixture" });
  await toolGrants.getByLabel("Grant for team platform on fixture__echo").selectOption("allow");
  // The cell shows what the server stored once the grant is saved.
  await expect(toolGrants.getByLabel("Grant for team platform on fixture__echo")).toHaveValue("allow");
  await toolGrants.getByLabel("Grant for team platform on fixture__add").selectOption("allow");
  await expect(toolGrants.getByLabel("Grant for team platform on fixture__add")).toHaveValue("allow");

  // The console's preview and the gateway agree on what the agent sees.
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "ci-bot (team platform)" });
  const preview = page.getByRole("table", { name: "Tools ci-bot sees" });
  await expect(preview.getByText("fixture__echo")).toBeVisible();
  await expect(preview.getByText("fixture__add")).toBeVisible();
  await screenshot(page, "grants");
  await expect
    .poll(async () => (await agent.listTools()).tools.map((t) => t.name).sort(), { timeout: 5_000 })
    .toEqual(["fixture__add", "fixture__echo"]);
  const echoed = await agent.callTool({
    name: "fixture__echo",
    arguments: { message: "through the gateway" },
  });
  expect(JSON.stringify(echoed.content)).toContain("through the gateway");

  // ── Revoke the key in the console: the gateway refuses it within a second.
  await page.goto("/agents");
  await page.getByRole("link", { name: "ci-bot" }).click();
  await page.getByRole("button", { name: `Revoke key ${keyPrefix}` }).click();
  const confirm = page.getByRole("dialog", { name: /Revoke key/ });
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByText(/revoked; gateways refuse it/)).toBeVisible();
  const revokedAt = Date.now();
  await expect.poll(() => toolsListStatus(gatewayMcpUrl, key), { intervals: [50], timeout: 1_000 }).toBe(401);
  expect(Date.now() - revokedAt).toBeLessThan(1_000);
  await expect(agent.listTools()).rejects.toThrow();
  await agent.close().catch(() => {});
  await expect(page.getByRole("table", { name: "API keys" }).getByText("revoked")).toBeVisible();

  // ── The rest of the main pages, for the record.
  await page.goto("/");
  await expect(page.getByTestId("count-servers")).toHaveText(String(serversBefore + 1));
  await expect(page.getByTestId("count-agents")).toHaveText(String(agentsBefore + 1));
  await screenshot(page, "overview");
  await page.goto("/history");
  await expect(page.getByRole("heading", { name: /history/i }).first()).toBeVisible();
  await screenshot(page, "history");
});
