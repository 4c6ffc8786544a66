import { secretKeyFrom } from "@portcullis/auth/secrets";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { exportPortals } from "../portals/list-portals";
import { savePortal } from "../portals/save-portal";
import { applyAndPublish } from "./apply-and-publish";
import { parseConfigText } from "./load-config-file";

// `portals:` in the config file, against a real fixture server's synced catalog: parity
// with the console both ways, and the bad definitions refused before anything is written.
const secretKey = secretKeyFrom("apply-portals-test-secret-0123456789abcd");
const names = testRedisNames("control-apply-portals");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;
let fixture: FixtureServer;
let pool: UpstreamPool;
let redis: Redis;

beforeAll(async () => {
  [database, fixture] = await Promise.all([
    createTestDatabase({ name: "control_apply_portals" }),
    startLegacyHttpServer({ tag: "apply-portals" }),
  ]);
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await cleanupRedisPrefix(redis, names.prefix);
  redis?.disconnect();
  await pool?.close();
  await fixture?.close();
  await database?.drop();
});

const servers = () => `
servers:
  - { name: conf, transport: streamable-http, url: "${fixture.url}" }
  - { name: copy, transport: streamable-http, url: "${fixture.url}" }
`;
const apply = (text: string, dryRun = false) =>
  applyAndPublish(
    { db: database.db, redis, names, pool, secretKey },
    parseConfigText(text, "portcullis.yaml"),
    {
      actor,
      env: {},
      dryRun,
    },
  );
const lines = (plan: Array<{ action: string; kind: string; name: string; fields?: string[] }>) =>
  plan.map((c) => `${c.action} ${c.kind} ${c.name}${c.fields ? ` (${c.fields.join(", ")})` : ""}`);
const orgId = async () => (await database.db.organization.findFirstOrThrow()).id;

const PORTAL = `
portals:
  - name: conformance
    description: one server, its own names
    tools: [{ server: conf, tools: ["*"] }]
    naming: bare
    overrides:
      - { server: conf, tool: echo, name: simple, description: "Echoes safely.", fixedArguments: { message: safe } }
`;

describe("portals: in the config file", () => {
  it("creates a portal, publishes it, and re-applying changes nothing", async () => {
    // The servers first: their catalogs are synced by the apply, so the portal is checked against them.
    await apply(servers());
    const result = await apply(servers() + PORTAL);
    expect(lines(result.plan)).toEqual(["create portal conformance"]);
    const served = configSnapshot.parse(JSON.parse((await redis.get(names.snapshotDoc))!));
    expect(served.portals).toMatchObject([{ name: "conformance", naming: "bare", exposure: "full" }]);
    expect(served.portals[0]?.overrides[0]).toMatchObject({
      tool: "echo",
      name: "simple",
      fixedArguments: { message: "safe" },
    });
    expect((await apply(servers() + PORTAL)).plan).toEqual([]);
  });

  it("parity both ways: a console edit shows in the plan, and the export applies with no changes", async () => {
    const [listed] = await exportPortals(database.db, await orgId());
    await savePortal(database.db, {
      orgId: await orgId(),
      actor: { type: "user", name: "console" },
      id: (await database.db.portal.findFirstOrThrow()).id,
      portal: { ...listed!, exposure: "search", tools: [{ server: "conf", tools: ["echo", "add"] }] },
    });
    // The file says otherwise: apply puts it back.
    expect(lines((await apply(servers() + PORTAL, true)).plan)).toEqual([
      "update portal conformance (exposure, tools)",
    ]);
    const exported = { portals: await exportPortals(database.db, await orgId()) };
    expect(exported.portals[0]).toMatchObject({ exposure: "search", naming: "bare" });
    expect((await apply(servers() + stringify(exported))).plan).toEqual([]);
    expect(lines((await apply(servers() + PORTAL)).plan)).toEqual([
      "update portal conformance (exposure, tools)",
    ]);
  });

  it("refuses colliding bare names, missing override tools and disallowed fixed arguments; nothing is half-applied", async () => {
    const bad = `${servers()}
teams: [{ name: new-team }]
portals:
  - name: clash
    tools: [{ server: conf, tools: ["echo", "add"] }, { server: copy, tools: ["add"] }]
    naming: bare
  - name: broken
    tools: [{ server: conf, tools: ["echo"] }]
    overrides:
      - { server: conf, tool: add, name: plus }
      - { server: conf, tool: echo, fixedArguments: { volume: 11 } }
`;
    const error = await apply(bad).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toContain(
      'portals[0].naming: tools "conf/add" and "copy/add" would both be called "add"',
    );
    expect(error?.message).toContain(
      'portals[1].overrides[0].tool: tool "conf/add" is not one the portal selects',
    );
    expect(error?.message).toContain(
      'portals[1].overrides[1].fixedArguments.volume: conf/echo: fixed argument "volume" is not a property of the tool\'s input schema',
    );
    const stray = await apply(`${servers()}
portals: [{ name: stray, tools: [{ server: nowhere, tools: ["*"] }] }]
`).then(
      () => null,
      (e: Error) => e,
    );
    expect(stray?.message).toContain(
      'portals[0].tools[0].server: unknown server "nowhere" (declare it under servers:)',
    );
    expect(await database.db.team.count()).toBe(0);
    expect((await database.db.portal.findMany()).map((p) => p.name)).toEqual(["conformance"]);
  });

  it("pinned tools of a search portal: in the file, the snapshot, the console and the export alike", async () => {
    const pinned = `
portals:
  - name: lean
    tools: [{ server: conf, tools: ["*"] }]
    exposure: search
    overrides:
      - { server: conf, tool: echo, pinned: true }
`;
    expect(lines((await apply(servers() + PORTAL + pinned.replace("portals:\n", ""))).plan)).toEqual([
      "create portal lean",
    ]);
    const served = configSnapshot.parse(JSON.parse((await redis.get(names.snapshotDoc))!));
    const lean = served.portals.find((p) => p.name === "lean")!;
    expect(lean.overrides).toMatchObject([{ tool: "echo", pinned: true, name: null }]);
    // The other portal's override was written before pins existed in it: unpinned, unchanged.
    expect(served.portals.find((p) => p.name === "conformance")!.overrides[0]?.pinned).toBe(false);

    // The console unpins it: the file's plan shows it, and the export round-trips.
    const row = await database.db.portal.findFirstOrThrow({ where: { name: "lean" } });
    const listed = (await exportPortals(database.db, await orgId())).find((p) => p.name === "lean")!;
    expect(listed.overrides).toEqual([{ server: "conf", tool: "echo", pinned: true }]);
    await savePortal(database.db, {
      orgId: await orgId(),
      actor: { type: "user", name: "console" },
      id: row.id,
      portal: { ...listed, overrides: [] },
    });
    expect(lines((await apply(servers() + PORTAL + pinned.replace("portals:\n", ""), true)).plan)).toEqual([
      "update portal lean (overrides)",
    ]);
    // A pin on a tool the portal does not select is refused like any override of it.
    const stray = await apply(`${servers()}${PORTAL}
  - name: lean
    tools: [{ server: conf, tools: ["echo"] }]
    exposure: search
    overrides: [{ server: conf, tool: add, pinned: true }]
`).then(
      () => null,
      (e: Error) => e,
    );
    expect(stray?.message).toContain(
      'portals[1].overrides[0].tool: tool "conf/add" is not one the portal selects',
    );
    expect(lines((await apply(servers() + PORTAL)).plan)).toEqual(["delete portal lean"]);
  });

  it("deletes a portal the file no longer lists", async () => {
    expect(lines((await apply(servers())).plan)).toEqual(["delete portal conformance"]);
    expect(await database.db.portal.count()).toBe(0);
  });
});
