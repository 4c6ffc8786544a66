import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { effectiveExposure } from "./exposure";
import { metaToolsFor } from "./meta-tools";
import { exposureTokenCost } from "./token-cost";
import { ToolSearchIndex } from "./tool-index";
import { sandboxIdentifier, toolSignature } from "./tool-signature";

const server = (name: string): SnapshotServer => ({
  id: `srv_${name}`,
  orgId: "org_1",
  name,
  transport: "streamable-http",
  url: "http://127.0.0.1:1/mcp",
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
const tool = (s: SnapshotServer, name: string, description: string, props: string[] = []): SnapshotTool => ({
  id: `tool_${s.name}_${name}`,
  serverId: s.id,
  upstreamName: name,
  exposedName: `${s.name}__${name}`,
  title: null,
  description,
  inputSchema: { type: "object", properties: Object.fromEntries(props.map((p) => [p, { type: "string" }])) },
  outputSchema: null,
  annotations: null,
  riskClass: "read",
  status: "active",
  definitionHash: name,
});

describe("effectiveExposure", () => {
  it("lets the agent's own setting win over its portal's, and defaults to full", () => {
    expect(effectiveExposure(null)).toBe("full");
    expect(effectiveExposure(undefined, "search")).toBe("search");
    expect(effectiveExposure("code", "search")).toBe("code");
    expect(effectiveExposure("full", "code")).toBe("full");
  });
});

describe("toolSignature", () => {
  it("types arguments from the JSON Schema: required, optional, enums, arrays, nested objects", () => {
    const schema = {
      type: "object",
      properties: {
        owner: { type: "string" },
        count: { type: "integer" },
        state: { type: "string", enum: ["open", "closed"] },
        labels: { type: "array", items: { type: "string" } },
        "x-meta": { type: "object", properties: { deep: { type: "boolean" } }, required: ["deep"] },
        anything: {},
      },
      required: ["owner"],
    };
    expect(
      toolSignature("git-hub__list.issues", schema, {
        type: "object",
        properties: { n: { type: "number" } },
      }),
    ).toBe(
      'tools.git_hub__list_issues(args: { owner: string; count?: number; state?: "open" | "closed"; labels?: string[]; "x-meta"?: { deep: boolean }; anything?: unknown }): Promise<{ n?: number }>',
    );
    expect(sandboxIdentifier("9lives__x")).toBe("_9lives__x");
  });
});

describe("ToolSearchIndex", () => {
  const gh = server("github");
  const slack = server("slack");
  const entries = [
    {
      server: gh,
      tool: tool(gh, "create_issue", "Create a new issue in a GitHub repository", ["owner", "repo", "title"]),
    },
    {
      server: gh,
      tool: tool(gh, "create_pull_request", "Create a new pull request", ["owner", "repo", "head", "base"]),
    },
    {
      server: slack,
      tool: tool(slack, "slack_post_message", "Post a new message to a Slack channel", ["channel_id"]),
    },
  ];

  it("ranks by names, descriptions, argument names and server names, with query synonyms", () => {
    const index = new ToolSearchIndex(entries);
    expect(index.find("open a PR on github", 5)[0]?.entry.tool.exposedName).toBe(
      "github__create_pull_request",
    );
    expect(index.find("post in the #releases channel", 5)[0]?.entry.tool.exposedName).toBe(
      "slack__slack_post_message",
    );
    expect(index.find("issues", 5)[0]?.entry.tool.exposedName).toBe("github__create_issue");
    expect(index.find("qqqq zzzz", 5)).toEqual([]);
  });

  it("only ever finds the tools it was built over (the caller's)", () => {
    const index = new ToolSearchIndex(entries.slice(2));
    const found = index.find("create issue pull request github", 10).map((h) => h.entry.tool.exposedName);
    expect(found).toEqual([]);
    expect(index.size).toBe(1);
  });
});

describe("exposureTokenCost", () => {
  it("counts full mode per tool, and the meta-tools alone otherwise", () => {
    const gh = server("github");
    const many = Array.from({ length: 200 }, (_, i) =>
      tool(gh, `tool_${i}`, `Does thing number ${i} in the repository`),
    );
    const cost = exposureTokenCost(many);
    expect(cost.full).toBeGreaterThan(200 * 20);
    expect(cost.search).toBe(exposureTokenCost([]).search);
    expect(cost.code).toBeLessThan(1_000);
    expect(metaToolsFor("search").map((t) => t.name)).toEqual(["search_tools", "call_tool"]);
    expect(metaToolsFor("code").map((t) => t.name)).toEqual(["search_tools", "execute"]);
  });
});
