import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "../support/login";
import { connectWhenListed } from "../support/mcp";
import { stack } from "../support/stack-env";
import { syncCatalog, trpc } from "../support/trpc";

// Issue 10 point 4 in the browser: a tool grant serves no resources; an admin adds a
// resource rule in the grant editor, the preview lists it, and the gateway serves the
// resource to the agent (and still no prompt).
const label = `res-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const agentName = `${label}-bot`;

test("an admin grants a server's resources apart from its tools and the gateway follows", async ({
  page,
}) => {
  await signIn(page, "admin@example.com");
  const r = page.request;
  const { fixtureUrl, gatewayMcpUrl } = stack();
  const { id: teamId } = await trpc<{ id: string }>(r, "teams.create", { name: `${label}-team` });
  const { id: serverId } = await trpc<{ id: string }>(r, "servers.create", {
    name: serverName,
    transport: "streamable-http",
    url: fixtureUrl,
  });
  await syncCatalog(r, serverId);
  const { id: agentId } = await trpc<{ id: string }>(r, "agents.create", { name: agentName, teamId });
  const { key } = await trpc<{ key: string }>(r, "keys.create", { agentId });
  await trpc(r, "grants.set", {
    subject: { type: "agent", id: agentId },
    serverId,
    toolPattern: "*",
    effect: "allow",
  });

  // The new key reaches gateways with the next snapshot: connect once it lists the tools.
  const agent = await connectWhenListed(gatewayMcpUrl, key, `${serverName}__echo`);
  // Every tool granted, and still no resource or prompt: tool grants do not expose them.
  expect((await agent.listResources()).resources).toEqual([]);
  expect((await agent.listPrompts()).prompts).toEqual([]);

  await page.goto(`/grants?server=${serverId}&agent=${agentId}`);
  const served = page.getByText(`${agentName} is served no resources and no prompts`);
  await expect(served).toBeVisible();
  const form = page.getByRole("form", { name: "Add a resource or prompt rule" });
  await form.getByLabel("Team or agent").selectOption({ label: `Agent ${agentName}` });
  await form.getByLabel("Kind").selectOption({ label: "Resources" });
  await form.getByLabel("Pattern").fill("fixture://*");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(
    page.getByRole("button", { name: `Delete grant agent ${agentName} resource fixture://*` }),
  ).toBeVisible();

  const preview = page.getByRole("table", { name: `Resources and prompts ${agentName} is served` });
  await expect(preview.getByRole("row").filter({ hasText: "fixture://*" })).toContainText("Allowed");
  await screenshot(page, "resource-grants");

  await expect
    .poll(async () => (await agent.listResources()).resources.map((x) => x.uri), {
      intervals: [100],
      timeout: 5_000,
    })
    .toEqual(["fixture://readme"]);
  expect((await agent.listPrompts()).prompts).toEqual([]);
  await agent.close();

  const rules = await trpc<Array<{ kind: string; pattern: string; effect: string }>>(
    r,
    "itemGrants.list",
    { serverId },
    "query",
  );
  expect(rules).toEqual([
    expect.objectContaining({ kind: "resource", pattern: "fixture://*", effect: "allow" }),
  ]);
});
