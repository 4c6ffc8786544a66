import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { expect, test } from "@playwright/test";
import { MemoryOAuthClient } from "@portcullis/testkit/oauth-client";
import { screenshot, signIn } from "../support/login";
import { toolsListStatus } from "../support/mcp";
import { stack } from "../support/stack-env";
import { syncCatalog, trpc } from "../support/trpc";
import { DEMO_PASSWORD, OWNER_EMAIL } from "../support/users";

// Issue 11 in the browser: the console's OAuth pages. An admin sets up sign-in for MCP clients
// (the DCR switch, token lifetime, a pre-registered client); a member connects an MCP client
// with their SSO and consents; the admin sees the connection on the Members page and revokes
// it, and the gateway refuses its token at once and the AS its refresh token.
const label = `oauth-${Date.now().toString(36)}`;
const serverName = `${label}-fx`;
const clientName = `${label} client`;
const MEMBER = "member@example.com";

/** The MCP client's loopback redirect target (the browser lands there with the code). */
async function startCallback(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.end("You can close this window."));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback` };
}

test("an owner sets up MCP sign-in (admins see it read-only), a member connects a client with their SSO, the admin revokes it", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { gatewayMcpUrl, fixtureUrl } = stack();
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();

  // An admin sees the MCP sign-in page read-only: installation-wide settings are the owner's.
  await signIn(admin, "admin@example.com", "/oauth");
  await expect(admin.getByRole("heading", { name: "Sign-in for MCP clients" })).toBeVisible();
  await expect(admin.getByLabel(/Dynamic Client Registration/)).toBeDisabled();
  await expect(admin.getByRole("button", { name: "Save", exact: true })).toHaveCount(0);

  // The owner turns DCR on and shortens the access-token lifetime, kept across a reload.
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signIn(owner, OWNER_EMAIL, "/oauth");
  await owner.getByLabel(/Dynamic Client Registration/).check();
  await owner.getByLabel("Access-token lifetime (seconds)").fill("300");
  await owner.getByRole("button", { name: "Save", exact: true }).click();
  await expect(owner.getByText("Saved; the authorization server uses it within a second")).toBeVisible();

  // A pre-registered client: a plain-http redirect off loopback is refused, a loopback one kept.
  await owner.getByRole("textbox", { name: "Client id", exact: true }).fill(`${label}-cli`);
  await owner.getByRole("textbox", { name: "Name", exact: true }).fill("Team CLI");
  await owner
    .getByRole("textbox", { name: "Redirect URIs", exact: true })
    .fill("http://cli.example.com/callback");
  await owner.getByRole("button", { name: "Register client" }).click();
  await expect(owner.getByText(/must use https/).first()).toBeVisible();
  await owner
    .getByRole("textbox", { name: "Redirect URIs", exact: true })
    .fill("http://127.0.0.1:33418/callback");
  await owner.getByRole("button", { name: "Register client" }).click();
  await expect(owner.getByText(`Client ${label}-cli registered`)).toBeVisible();
  await owner.reload();
  await expect(owner.getByLabel(/Dynamic Client Registration/)).toBeChecked();
  await expect(owner.getByLabel("Access-token lifetime (seconds)")).toHaveValue("300");
  const preregistered = owner.getByRole("table", { name: "Pre-registered clients" });
  await expect(preregistered.getByRole("row").filter({ hasText: `${label}-cli` })).toContainText(
    "http://127.0.0.1:33418/callback",
  );
  await screenshot(owner, "oauth-settings");

  // Something for the member to reach: a server whose echo their team is granted.
  const r = admin.request;
  const { id: teamId } = await trpc<{ id: string }>(r, "teams.create", { name: `${label}-team` });
  const { id: serverId } = await trpc<{ id: string }>(r, "servers.create", {
    name: serverName,
    transport: "streamable-http",
    url: fixtureUrl,
  });
  await syncCatalog(r, serverId);
  await trpc(r, "teams.addMember", { teamId, email: MEMBER });
  await trpc(r, "grants.set", {
    subject: { type: "team", id: teamId },
    serverId,
    toolPattern: "echo",
    effect: "allow",
  });

  // The member adds the URL alone: the client meets the 401, finds the AS and registers (DCR).
  const callback = await startCallback();
  const provider = new MemoryOAuthClient(callback.url, clientName);
  const first = new StreamableHTTPClientTransport(new URL(gatewayMcpUrl), { authProvider: provider });
  await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  expect(provider.info?.client_id).toBeTruthy();

  // In their browser: the company SSO, then the consent page naming the client and what it reaches.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await member.goto(String(provider.authorizationUrl));
  await member.getByLabel("Email").fill(MEMBER);
  await member.getByLabel("Password").fill(DEMO_PASSWORD);
  await member.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(
    member.getByRole("heading", { name: `Allow ${clientName} to use Portcullis as you?` }),
  ).toBeVisible();
  for (const shown of [MEMBER, callback.url, gatewayMcpUrl])
    await expect(member.locator("body")).toContainText(shown);
  await screenshot(member, "oauth-consent");
  const back = member.waitForURL((url) => url.toString().startsWith(callback.url));
  await member.getByRole("button", { name: "Allow" }).click();
  await back;
  await first.finishAuth(new URL(member.url()).searchParams);

  // Connected: the member's client lists and calls exactly what their team is granted.
  let client: Client | null = null;
  await expect
    .poll(
      async () => {
        try {
          client ??= await (async () => {
            const c = new Client({ name: "e2e", version: "1" });
            await c.connect(
              new StreamableHTTPClientTransport(new URL(gatewayMcpUrl), { authProvider: provider }),
            );
            return c;
          })();
          return (await client.listTools()).tools.map((t) => t.name);
        } catch {
          client = null;
          return [];
        }
      },
      { timeout: 15_000 },
    )
    .toEqual([`${serverName}__echo`]);
  const connected = client as unknown as Client;
  const called = (await connected.callTool({
    name: `${serverName}__echo`,
    arguments: { message: "hi" },
  })) as {
    isError?: boolean;
  };
  expect(called.isError).toBeFalsy();
  const accessToken = provider.stored?.access_token ?? "";
  const refreshToken = provider.stored?.refresh_token ?? "";
  expect(await toolsListStatus(gatewayMcpUrl, accessToken)).toBe(200);

  // The Members page lists the connection (person, client, scopes, last use) with Revoke.
  await admin.goto("/members");
  const connections = admin.getByRole("table", { name: "Connected MCP clients" });
  const row = connections.getByRole("row").filter({ hasText: clientName });
  await expect(row).toContainText(MEMBER);
  await expect(row).toContainText(callback.url);
  await expect(row).toContainText("mcp");
  // The gateway records the last use within seconds; the cell then tells how long ago. After a
  // reload the table is fetched again: wait for the row before reading its cell.
  await expect
    .poll(
      async () => {
        await admin.reload();
        await expect(row).toBeVisible({ timeout: 10_000 });
        return row.locator("span[title]").count();
      },
      { timeout: 30_000, intervals: [1_000] },
    )
    .toBe(1);
  await screenshot(admin, "oauth-connections");
  await row.getByRole("button", { name: `Revoke ${clientName} of ${MEMBER}` }).click();
  await admin
    .getByRole("dialog", { name: `Revoke ${clientName} (${MEMBER})?` })
    .getByRole("button", { name: "Revoke" })
    .click();
  await expect(admin.getByRole("dialog")).toHaveCount(0);
  await expect(connections.getByRole("row").filter({ hasText: clientName })).toHaveCount(0);

  // The gateway refuses the token within a second; the AS refuses its refresh token.
  await expect.poll(() => toolsListStatus(gatewayMcpUrl, accessToken), { timeout: 5_000 }).toBe(401);
  const resourceMetadata = (await (
    await fetch(new URL("/.well-known/oauth-protected-resource/mcp", gatewayMcpUrl))
  ).json()) as { authorization_servers: string[] };
  const asMetadata = (await (
    await fetch(`${resourceMetadata.authorization_servers[0]}/.well-known/oauth-authorization-server`)
  ).json()) as { token_endpoint: string };
  const refreshed = await fetch(asMetadata.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: String(provider.info?.client_id),
    }).toString(),
  });
  expect(refreshed.status).toBe(400);
  expect(((await refreshed.json()) as { error: string }).error).toBe("invalid_grant");

  await connected.close().catch(() => undefined);
  callback.server.close();
  await memberContext.close();
  await ownerContext.close();
  await adminContext.close();
});
