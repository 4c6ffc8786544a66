import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAgentExposure } from "../agents/set-agent-exposure";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

// An agent's `exposure` (issue 13): the same through the file and the console, carried to
// the gateways in the snapshot, absent meaning inherit.
const secretKey = secretKeyFrom("apply-exposure-test-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;

const FILE = (exposure: string) => `
teams:
  - name: platform
agents:
  - name: ci-bot
    team: platform
${exposure}
`;
const apply = (text: string) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), { actor, env: {}, secretKey });
const exposureInSnapshot = async () => (await compileSnapshot(database.db, 1)).agents[0]?.exposure ?? null;

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_exposure" });
});
afterAll(async () => {
  await database?.drop();
});

describe("agent exposure in the apply file", () => {
  it("is set by the file, published, changed by the console, and won back by the file", async () => {
    await apply(FILE("    exposure: code"));
    expect(await exposureInSnapshot()).toBe("code");
    const row = await database.db.agent.findFirstOrThrow({ where: { name: "ci-bot" } });

    await setAgentExposure(database.db, { orgId: row.orgId, actor, id: row.id, exposure: "search" });
    expect(await exposureInSnapshot()).toBe("search");
    const plan = await apply(FILE("    exposure: code"));
    expect(plan).toContainEqual(
      expect.objectContaining({ action: "update", name: "ci-bot", fields: ["exposure"] }),
    );
    expect(await exposureInSnapshot()).toBe("code");

    // Omitted: inherit (the snapshot carries no setting).
    await apply(FILE(""));
    expect(await exposureInSnapshot()).toBeNull();
  });

  it("refuses an unknown mode with the path and the allowed values, changing nothing", async () => {
    await expect(async () => apply(FILE("    exposure: everything"))).rejects.toThrow(
      /agents\[0\]\.exposure.*full.*search.*code/s,
    );
    expect(await exposureInSnapshot()).toBeNull();
  });
});
