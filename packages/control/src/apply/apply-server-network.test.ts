import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServer } from "../servers/get-server";
import { updateServer } from "../servers/update-server";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// A stdio server's `network` setting: the same through the file and the console, shown with
// the exact command line, and carried to the gateways in the snapshot.
const secretKey = secretKeyFrom("apply-network-test-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;

const FILE = (network: string) => `
servers:
  - name: offline
    transport: stdio
    command: npx
    args: ["-y", "@modelcontextprotocol/server-memory", "--label", "two words"]
${network}
`;
const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), { actor, env: {}, secretKey });

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_network" });
});
afterAll(async () => {
  await database?.drop();
});

describe("stdio network setting", () => {
  it("is set by the file, shown with the exact command line, published, and round-trips with the console", async () => {
    await apply(FILE("    network: false"));
    const row = await database.db.server.findFirstOrThrow({ where: { name: "offline" } });
    const detail = await getServer(database.db, { orgId: row.orgId, id: row.id, secretKey });
    expect(detail).toMatchObject({
      network: false,
      commandLine: "npx -y @modelcontextprotocol/server-memory --label 'two words'",
    });
    const create = await database.db.adminAuditLog.findFirstOrThrow({ where: { action: "server.create" } });
    expect(create.details).toMatchObject({
      commandLine: "npx -y @modelcontextprotocol/server-memory --label 'two words'",
    });
    const snapshot = await compileSnapshot(database.db, 1);
    expect(snapshot.servers.find((s) => s.id === row.id)?.network).toBe(false);

    // The console turns the network back on; the file, applied again, wins back.
    const changed = await updateServer(database.db, {
      orgId: row.orgId,
      actor: { type: "user", name: "admin@example.com" },
      secretKey,
      id: row.id,
      changes: { network: true },
    });
    expect(changed.changed).toEqual(["network"]);
    const plan = await apply(FILE("    network: false"));
    expect(plan).toContainEqual(
      expect.objectContaining({ action: "update", name: "offline", fields: ["network"] }),
    );
    expect((await database.db.server.findUniqueOrThrow({ where: { id: row.id } })).network).toBe(false);

    // Omitted in the file: the default, network on.
    await apply(FILE(""));
    expect((await database.db.server.findUniqueOrThrow({ where: { id: row.id } })).network).toBe(true);
  });
});
