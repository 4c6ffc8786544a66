import { newId } from "@portcullis/contracts/ids";
import { NEW_TOOL_FLAG } from "@portcullis/policy/tool-availability";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { seedLargeInstallation } from "@portcullis/testkit/large-installation";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalHash, canonicalJson } from "../canonical-json";
import { compileForPublish, newPublishCache } from "./compile-for-publish";
import { compileSnapshot } from "./compile-snapshot";

let database: TestDatabase;
const orgs = { one: newId("organization"), two: newId("organization") };
const small = { servers: 3, tools: 24, teams: 2, agents: 4, people: 5, auditEvents: 0, approvals: 0 };

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_compile_for_publish" });
  const { db } = database;
  await db.organization.create({ data: { id: orgs.one, name: "One", slug: "one" } });
  await db.organization.create({ data: { id: orgs.two, name: "Two", slug: "two" } });
  await seedLargeInstallation(db, orgs.one, small, "one");
  // People are users of the installation: the second organization shares one of the first's.
  await seedLargeInstallation(db, orgs.two, { ...small, tools: 9, people: 0 }, "two");
  await db.membership.create({
    data: { id: newId("membership"), orgId: orgs.two, userId: "one_usr_1", role: "member" },
  });
  await db.teamMember.create({
    data: { id: newId("teamMember"), teamId: "two_team_1", userId: "one_usr_1" },
  });
});

afterAll(async () => {
  await database?.drop();
});

/** What a full recompile publishes at `now`: the reference the incremental text must equal. */
async function fullCompile(version: number, now: Date) {
  const document = await compileSnapshot(database.db, version, {}, now);
  return { json: canonicalJson(document), hash: canonicalHash(document) };
}

async function toolIds(): Promise<string[]> {
  const rows = await database.db.tool.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  return rows.map((r) => r.id);
}

/** A change an admin, the catalog sync or a raw migration could make; `pick` chooses the row. */
type Change = { kind: (typeof KINDS)[number]; pick: number; text: string };
const KINDS = [
  "describe",
  "pinRisk",
  "unpinRisk",
  "quarantineNew",
  "schemaRaw",
  "removeTool",
  "addTool",
  "grantReason",
  "serverTimeout",
  "renameAgent",
  "renameTeam",
  "suspendMember",
  "renameUser",
  "joinTeam",
  "addPolicy",
  "addItemGrant",
] as const;

// Appended to every text written, so that each change really changes something.
let serial = 0;

async function apply(generated: Change): Promise<void> {
  const { db } = database;
  const change = { ...generated, text: `${generated.text}-${++serial}` };
  const ids = await toolIds();
  const id = ids[change.pick % Math.max(1, ids.length)];
  switch (change.kind) {
    case "describe":
      if (id) await db.tool.update({ where: { id }, data: { description: change.text } });
      return;
    case "pinRisk":
      if (id) await db.tool.update({ where: { id }, data: { riskOverride: "destructive" } });
      return;
    case "unpinRisk":
      if (id) await db.tool.update({ where: { id }, data: { riskOverride: null } });
      return;
    case "quarantineNew":
      // Raw SQL leaves updated_at alone: the fingerprint must still see the change.
      if (id)
        await db.$executeRaw`UPDATE tools SET status = 'quarantined', flags = ARRAY[${NEW_TOOL_FLAG}] WHERE id = ${id}`;
      return;
    case "schemaRaw":
      if (id)
        await db.$executeRaw`UPDATE tools SET input_schema = jsonb_build_object('type', 'object', 'title', ${change.text}::text) WHERE id = ${id}`;
      return;
    case "removeTool":
      if (id) await db.tool.delete({ where: { id } });
      return;
    case "addTool": {
      const server = await db.server.findFirstOrThrow({ where: { orgId: orgs.one }, orderBy: { id: "asc" } });
      const name = `added_${newId("tool").slice(-8)}`;
      await db.tool.create({
        data: {
          id: newId("tool"),
          orgId: orgs.one,
          serverId: server.id,
          upstreamName: name,
          exposedName: `${server.name}__${name}`,
          description: change.text,
          inputSchema: { type: "object" },
          riskClass: "write",
          definitionHash: `h-${name}`,
        },
      });
      return;
    }
    case "grantReason": {
      const grant = await db.grant.findFirstOrThrow({ orderBy: { id: "asc" }, skip: change.pick % 8 });
      await db.grant.update({ where: { id: grant.id }, data: { reason: change.text } });
      return;
    }
    case "serverTimeout":
      await db.server.updateMany({ where: { id: "one_srv_1" }, data: { timeoutMs: 1_000 + change.pick } });
      return;
    case "renameAgent":
      await db.agent.update({ where: { id: "two_agt_1" }, data: { name: `agent ${change.text}` } });
      return;
    case "renameTeam":
      // Raw: agents carry their team's name, and only the teams table changes.
      await db.$executeRaw`UPDATE teams SET name = ${`team ${change.text}`} WHERE id = 'one_team_1'`;
      return;
    case "suspendMember":
      await db.membership.updateMany({
        where: { userId: `one_usr_${change.pick % small.people}` },
        data: { suspendedAt: change.pick % 2 === 0 ? new Date(0) : null },
      });
      return;
    case "renameUser":
      await db.$executeRaw`UPDATE users SET name = ${change.text} WHERE id = ${`one_usr_${change.pick % small.people}`}`;
      return;
    case "joinTeam":
      await db.teamMember.createMany({
        data: [{ id: newId("teamMember"), teamId: `one_team_${change.pick % 2}`, userId: "one_usr_2" }],
        skipDuplicates: true,
      });
      return;
    case "addPolicy":
      await db.policy.create({
        data: {
          id: newId("policy"),
          orgId: orgs.two,
          name: `p ${change.text}`,
          kind: "rate_limit",
          priority: change.pick,
          enabled: change.pick % 3 !== 0,
          config: { limit: 10, windowSec: 60 },
        },
      });
      return;
    case "addItemGrant":
      await db.itemGrant.create({
        data: {
          id: newId("grant"),
          orgId: orgs.one,
          kind: change.pick % 2 === 0 ? "resource" : "prompt",
          teamId: "one_team_0",
          serverId: "one_srv_0",
          pattern: `p-${change.text}*`,
          effect: "allow",
        },
      });
      return;
  }
}

const change = fc.record({
  kind: fc.constantFrom(...KINDS),
  pick: fc.nat({ max: 1_000 }),
  text: fc.string({ maxLength: 12 }),
});

describe("compileForPublish", () => {
  it("encodes exactly what a full recompile does, after any series of changes", async () => {
    // One cache across every run, as a console process keeps it between publishes.
    const cache = newPublishCache();
    let version = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 6 }), async (changes) => {
        for (const c of changes) await apply(c);
        const now = new Date();
        version += 1;
        const incremental = await compileForPublish(database.db, version, cache, now);
        const full = await fullCompile(version, now);
        expect(incremental.json).toBe(full.json);
        expect(incremental.hash).toBe(full.hash);
      }),
      { numRuns: 25 },
    );
    expect(cache.tools.size).toBe((await toolIds()).length);
  });

  it("recompiles only the tool whose row changed", async () => {
    const cache = newPublishCache();
    await compileForPublish(database.db, 1, cache);
    const before = Object.assign(new Map(cache.tools), { people: cache.pieces.get("people") });
    const [first, second] = await toolIds();
    await database.db.tool.update({ where: { id: first }, data: { title: "renamed" } });
    const { json } = await compileForPublish(database.db, 2, cache);
    expect(cache.tools.get(first!)).not.toBe(before.get(first!));
    expect(cache.tools.get(first!)?.tool.title).toBe("renamed");
    expect(cache.tools.get(second!)).toBe(before.get(second!));
    // Tables nobody wrote: their pieces are reused as they were.
    expect(cache.pieces.get("people")).toBeDefined();
    expect(cache.pieces.get("people")).toBe(before.people);
    expect(JSON.parse(json).tools.find((t: { id: string }) => t.id === first).title).toBe("renamed");
  });
});
