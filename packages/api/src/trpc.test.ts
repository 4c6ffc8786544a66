import { newId } from "@portcullis/contracts/ids";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiContext } from "./context";
import { appRouter } from "./root";
import { caught } from "./testing/caught";
import { type ApiHarness, startApiHarness } from "./testing/harness";
import { seedServerWithTools } from "./testing/seed";

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness("trpc");
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

/** One request through tRPC's fetch adapter, as the console's route handler serves it. */
async function http(
  path: string,
  opts: { userId?: string; input?: unknown; method?: "GET" | "POST" },
): Promise<{
  status: number;
  body: { result?: { data: unknown }; error?: { json: Record<string, unknown> } };
}> {
  const method = opts.method ?? "GET";
  const serialized = JSON.stringify(superjson.serialize(opts.input));
  const url = `http://console.test/api/trpc/${path}${method === "GET" ? `?input=${encodeURIComponent(serialized)}` : ""}`;
  const response = await fetchRequestHandler({
    endpoint: "/api/trpc",
    router: appRouter,
    req: new Request(url, {
      method,
      ...(method === "POST" && { body: serialized, headers: { "content-type": "application/json" } }),
    }),
    createContext: () => createApiContext(h.deps(), opts.userId ? { userId: opts.userId } : null),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe("the procedure ladder", () => {
  it("declares a permission on every procedure but me.get", () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { meta?: { permission?: string } } }
    >;
    const missing = Object.entries(procedures)
      .filter(([path, p]) => path !== "me.get" && !p._def.meta?.permission)
      .map(([path]) => path);
    expect(Object.keys(procedures).length).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  it("refuses callers without a session, and users without a membership", async () => {
    const anonymous = appRouter.createCaller(await createApiContext(h.deps(), null));
    expect(await caught(anonymous.me.get())).toMatchObject({
      code: "UNAUTHORIZED",
      message: "sign in to continue",
    });
    const { db } = h.database;
    await db.user.create({ data: { id: "usr_stranger", email: "stranger@example.com" } });
    const stranger = await h.as({ userId: "usr_stranger" });
    expect(await caught(stranger.overview.get())).toMatchObject({
      code: "FORBIDDEN",
      message: "not allowed: you are not a member of any organization",
    });
  });

  it("tells who is signed in, with which role and permissions", async () => {
    const me = await (await h.as("auditor")).me.get();
    expect(me).toMatchObject({
      user: { id: h.userIds.auditor, email: "auditor@example.com" },
      org: { id: h.orgId, name: "Acme", slug: "acme" },
      role: "auditor",
    });
    expect(me.permissions).toContain("config.read");
    expect(me.permissions).not.toContain("servers.write");
  });
});

describe("over HTTP (fetch adapter, superjson)", () => {
  it("answers 401, 403, 404 and 400 with the AppError code and field errors a form needs", async () => {
    expect((await http("servers.list", {})).status).toBe(401);

    const forbidden = await http("servers.create", {
      userId: h.userIds.auditor,
      method: "POST",
      input: { name: "x", transport: "stdio", command: "x" },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error?.json).toMatchObject({
      message: "not allowed: this needs the 'servers.write' permission",
      data: { code: "FORBIDDEN", appCode: "FORBIDDEN" },
    });

    expect((await http("servers.get", { userId: h.userIds.admin, input: { id: "srv_nope" } })).status).toBe(
      404,
    );

    const noUrl = await http("servers.create", {
      userId: h.userIds.admin,
      method: "POST",
      input: { name: "no-url", transport: "sse" },
    });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error?.json).toMatchObject({
      // One readable line for a toast, not the validation issues as JSON.
      message: expect.stringMatching(/^[^[{].*url: an SSE server needs a URL$/),
      data: { appCode: "INVALID_INPUT", fieldErrors: { url: ["an SSE server needs a URL"] } },
    });

    const badName = await http("servers.create", {
      userId: h.userIds.admin,
      method: "POST",
      input: { name: "Not OK", transport: "stdio", command: "x" },
    });
    expect(badName.status).toBe(400);
    expect(badName.body.error?.json).toMatchObject({
      message: expect.stringMatching(/^name: .*lowercase letters/),
      data: { appCode: "INVALID_INPUT", fieldErrors: { name: [expect.stringMatching(/lowercase letters/)] } },
    });

    const ok = await http("servers.list", { userId: h.userIds.member });
    expect(ok.status).toBe(200);
  });
});

describe("overview", () => {
  it("counts servers, tools, agents, today's calls and denials, and lists server health", async () => {
    const { db } = h.database;
    await seedServerWithTools(db, { orgId: h.orgId, name: "alpha", tools: ["a", "b", "c"] });
    await seedServerWithTools(db, { orgId: h.otherOrgId, name: "theirs", tools: ["x"] });
    const event = (orgId: string, decision: string, occurredAt = new Date()) => ({
      id: newId("auditEvent"),
      orgId,
      occurredAt,
      requestId: newId("request"),
      method: "tools/call",
      decision,
      latencyMs: 1,
    });
    await db.auditEvent.createMany({
      data: [
        event(h.orgId, "allowed"),
        event(h.orgId, "allowed"),
        event(h.orgId, "denied"),
        event(h.orgId, "allowed", new Date(Date.now() - 3 * 86_400_000)),
        event(h.otherOrgId, "denied"),
      ],
    });
    const overview = await (await h.as("member")).overview.get();
    expect(overview.counts).toEqual({ servers: 1, tools: 3, agents: 0, callsToday: 3, denialsToday: 1 });
    expect(overview.servers).toEqual([
      expect.objectContaining({ name: "alpha", status: "active", health: "unknown" }),
    ]);
  });
});
