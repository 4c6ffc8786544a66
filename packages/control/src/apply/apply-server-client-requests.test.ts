import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../servers/create-server";
import { getServer } from "../servers/get-server";
import { updateServer } from "../servers/update-server";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// Issue 9 point 3: whether a server may elicit or sample is a server setting, the same through
// the file and the console, carried to the gateways in the snapshot.
const secretKey = secretKeyFrom("apply-client-requests-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;

const FILE = (settings: string) => `
servers:
  - name: helper
    transport: streamable-http
    url: https://helper.example.com/mcp
${settings}
`;
const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), { actor, env: {}, secretKey });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_client_requests" });
});
afterAll(async () => {
  await database?.drop();
});

describe("allowElicitation and allowSampling", () => {
  it("default to elicitation on, sampling off", async () => {
    await apply(FILE(""));
    const row = await database.db.server.findFirstOrThrow({ where: { name: "helper" } });
    expect(row).toMatchObject({ allowElicitation: true, allowSampling: false });
    const snapshot = await compileSnapshot(database.db, 1);
    expect(snapshot.servers.find((s) => s.id === row.id)).toMatchObject({
      allowElicitation: true,
      allowSampling: false,
    });
  });

  it("are set by the file, published, and round-trip with the console", async () => {
    await apply(FILE("    allowElicitation: false\n    allowSampling: true"));
    const row = await database.db.server.findFirstOrThrow({ where: { name: "helper" } });
    expect(await getServer(database.db, { orgId: row.orgId, id: row.id, secretKey })).toMatchObject({
      allowElicitation: false,
      allowSampling: true,
    });
    const snapshot = await compileSnapshot(database.db, 2);
    expect(snapshot.servers.find((s) => s.id === row.id)).toMatchObject({
      allowElicitation: false,
      allowSampling: true,
    });

    const changed = await updateServer(database.db, {
      orgId: row.orgId,
      actor: { type: "user", name: "admin@example.com" },
      secretKey,
      id: row.id,
      changes: { allowSampling: false },
    });
    expect(changed.changed).toEqual(["allowSampling"]);
    const update = await database.db.adminAuditLog.findFirstOrThrow({
      where: { action: "server.update" },
      orderBy: { createdAt: "desc" },
    });
    expect(update.details).toMatchObject({ changes: { allowSampling: { from: true, to: false } } });
    const plan = await apply(FILE("    allowElicitation: false\n    allowSampling: true"));
    expect(plan).toContainEqual(
      expect.objectContaining({ action: "update", name: "helper", fields: ["allowSampling"] }),
    );
    expect((await database.db.server.findUniqueOrThrow({ where: { id: row.id } })).allowSampling).toBe(true);
  });

  it("are taken by the console on create", async () => {
    const org = await database.db.organization.findFirstOrThrow();
    const created = await createServer(database.db, {
      orgId: org.id,
      actor: { type: "user", name: "admin@example.com" },
      secretKey,
      fields: {
        name: "sampler",
        transport: "streamable-http",
        url: "https://sampler.example.com/mcp",
        allowSampling: true,
      },
    });
    const row = await database.db.server.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ allowElicitation: true, allowSampling: true });
  });

  it("refuse a value that is not a boolean, naming the field, with nothing applied", async () => {
    const before = await database.db.server.count();
    expect(() =>
      parseConfigText(FILE('    allowSampling: "yes"').replace("helper", "other"), "portcullis.yaml"),
    ).toThrow(
      "portcullis.yaml:6: servers[0].allowSampling: Invalid input: expected boolean, received string",
    );
    expect(await database.db.server.count()).toBe(before);
  });
});
