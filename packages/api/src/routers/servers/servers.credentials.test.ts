import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openSecrets } from "@portcullis/auth/secrets";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiHarness, startApiHarness } from "../../testing/harness";

// Issue 10, point 5: stored upstream credentials belong to the origin they were given for.
let h: ApiHarness;
let fixture: FixtureServer;
let collector: Server;
let collectorUrl: string;
const seenAuthorization: string[] = [];
const TOKEN = "stored-bearer-for-the-fixture";

beforeAll(async () => {
  [h, fixture] = await Promise.all([
    startApiHarness("server_credentials"),
    startLegacyHttpServer({ requireBearer: TOKEN }),
  ]);
  // Stands for "https://attacker/mcp": another origin that records what it is sent.
  collector = createServer((req, res) => {
    seenAuthorization.push(String(req.headers.authorization ?? ""));
    res.writeHead(401).end();
  });
  await new Promise<void>((done) => collector.listen(0, "127.0.0.1", done));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await new Promise((done) => collector?.close(done));
  await fixture?.close();
  await h?.close();
});
beforeEach(() => {
  h.beginTest();
  seenAuthorization.length = 0;
});

async function storedSecrets(id: string) {
  const row = await h.database.db.server.findUniqueOrThrow({ where: { id } });
  return row.secrets === null ? null : openSecrets(row.secrets, h.secretKey);
}

describe("servers · stored credentials never leave to a new host", () => {
  it("testConnection with a changed URL does not send the stored bearer there, and is audited", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "holds-a-bearer",
      transport: "streamable-http",
      url: fixture.url,
      bearer: TOKEN,
      headers: { "X-Api-Key": "stored-header-secret" },
    });
    const result = await admin.servers.testConnection({ id, changes: { url: collectorUrl } });
    expect(result.ok).toBe(false);
    expect(seenAuthorization.length).toBeGreaterThan(0);
    expect(seenAuthorization.join(" ")).not.toContain(TOKEN);

    // New credentials in the same change do go to the new host.
    await admin.servers.testConnection({
      id,
      changes: { url: collectorUrl, bearer: "typed-for-the-new-host" },
    });
    expect(seenAuthorization).toContain("Bearer typed-for-the-new-host");

    // Same origin, another path: the stored bearer still applies.
    const samePath = await admin.servers.testConnection({ id, changes: { url: `${fixture.url}?v=2` } });
    expect(samePath.ok).toBe(true);

    const audits = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id, action: "server.test_connection" },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.map((a) => a.details)).toEqual([
      expect.objectContaining({ url: collectorUrl, ok: false, credentialsDroppedForNewHost: true }),
      expect.objectContaining({ url: collectorUrl, ok: false }),
      expect.objectContaining({ url: `${fixture.url}?v=2`, ok: true }),
    ]);
    expect(
      JSON.stringify(audits, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ).not.toContain(TOKEN);
  });

  it("update: a new host drops the stored headers and bearer unless new ones come with the change", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.servers.create({
      name: "moves-host",
      transport: "streamable-http",
      url: fixture.url,
      bearer: TOKEN,
      headers: { "X-Api-Key": "stored-header-secret" },
    });
    expect((await admin.servers.update({ id, url: collectorUrl })).changed).toEqual(["url", "secrets"]);
    expect(await storedSecrets(id)).toBeNull();
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: id, action: "server.update" },
    });
    expect(audit.details).toMatchObject({ credentialsDroppedForNewHost: true });

    await admin.servers.update({ id, url: fixture.url, bearer: "brought-along" });
    expect(await storedSecrets(id)).toEqual({ bearer: "brought-along" });
    // Only the path changes: the credentials stay.
    await admin.servers.update({ id, url: `${fixture.url}/` });
    expect(await storedSecrets(id)).toEqual({ bearer: "brought-along" });
  });
});
