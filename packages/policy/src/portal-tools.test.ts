import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { fixedArgumentRefusal, portalTools } from "./portal-tools";

const server = (id: string, name: string): SnapshotServer => ({
  id,
  orgId: "org",
  name,
  transport: "streamable-http",
  url: "http://127.0.0.1/mcp",
  command: null,
  args: [],
  env: null,
  network: true,
  secrets: null,
  timeoutMs: 1000,
  allowElicitation: true,
  allowSampling: false,
  status: "active",
});
const tool = (
  serverId: string,
  serverName: string,
  name: string,
  status: SnapshotTool["status"] = "active",
): SnapshotTool => ({
  id: `${serverId}-${name}`,
  serverId,
  upstreamName: name,
  exposedName: `${serverName}__${name}`,
  title: null,
  description: `${name} of ${serverName}`,
  inputSchema: {
    type: "object",
    properties: {
      mode: { type: "string", enum: ["safe", "fast"] },
      n: { type: "integer" },
      text: { type: "string" },
    },
    required: ["mode", "text"],
  },
  outputSchema: null,
  annotations: null,
  riskClass: "read",
  status,
  definitionHash: name,
});
const a = server("a", "alpha");
const b = server("b", "beta");
const servers = new Map([a, b].map((s) => [s.id, s]));
const tools = [
  tool("a", "alpha", "echo"),
  tool("a", "alpha", "get-one"),
  tool("a", "alpha", "gone", "removed"),
  tool("b", "beta", "echo"),
];

describe("portalTools", () => {
  it("selects by pattern, names bare or prefixed, and leaves removed tools out", () => {
    const prefixed = portalTools(
      { naming: "prefixed", tools: [{ serverId: "a", tools: ["*"] }], overrides: [] },
      tools,
      servers,
    );
    expect(prefixed.tools.map((t) => t.name)).toEqual(["alpha__echo", "alpha__get-one"]);
    const bare = portalTools(
      { naming: "bare", tools: [{ serverId: "a", tools: ["get-*"] }], overrides: [] },
      tools,
      servers,
    );
    expect(bare.tools.map((t) => t.name)).toEqual(["get-one"]);
    expect(bare.problems).toEqual([]);
  });

  it("reports a bare-name collision naming both tools, and resolves it with an override name", () => {
    const selection = [
      { serverId: "a", tools: ["echo"] },
      { serverId: "b", tools: ["echo"] },
    ];
    const clash = portalTools({ naming: "bare", tools: selection, overrides: [] }, tools, servers);
    expect(clash.problems).toEqual([
      {
        path: ["naming"],
        message: expect.stringContaining('tools "alpha/echo" and "beta/echo" would both be called "echo"'),
      },
    ]);
    const renamed = portalTools(
      {
        naming: "bare",
        tools: selection,
        overrides: [
          { serverId: "b", tool: "echo", name: "beta-echo", description: null, fixedArguments: null },
        ],
      },
      tools,
      servers,
    );
    expect(renamed.problems).toEqual([]);
    expect(renamed.tools.map((t) => t.name)).toEqual(["echo", "beta-echo"]);
  });

  it("hides fixed arguments from the schema (and from required) and refuses ones the schema does not allow", () => {
    const result = portalTools(
      {
        naming: "bare",
        tools: [{ serverId: "a", tools: ["echo"] }],
        overrides: [
          {
            serverId: "a",
            tool: "echo",
            name: null,
            description: "Echo safely",
            fixedArguments: { mode: "safe" },
          },
          { serverId: "a", tool: "get-one", name: null, description: null, fixedArguments: null },
        ],
      },
      tools,
      servers,
    );
    const [echo] = result.tools;
    expect(echo?.description).toBe("Echo safely");
    expect(echo?.inputSchema).toEqual({
      type: "object",
      properties: { n: { type: "integer" }, text: { type: "string" } },
      required: ["text"],
    });
    // The shared definition is not changed for /mcp.
    expect(Object.keys((tools[0]!.inputSchema as { properties: object }).properties)).toContain("mode");
    expect(result.problems).toEqual([
      {
        path: ["overrides", 1, "tool"],
        message: expect.stringContaining('tool "alpha/get-one" is not one the portal selects'),
      },
    ]);
    const schema = tools[0]!.inputSchema;
    expect(fixedArgumentRefusal(schema, "mode", "slow")).toMatch(/must be one of "safe", "fast"/);
    expect(fixedArgumentRefusal(schema, "n", 1.5)).toMatch(/must be of type integer/);
    expect(fixedArgumentRefusal(schema, "volume", 11)).toMatch(/not a property/);
    expect(fixedArgumentRefusal(schema, "n", 3)).toBeNull();
  });
});
