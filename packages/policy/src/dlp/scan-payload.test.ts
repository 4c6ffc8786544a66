import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { type CompiledDlpPolicies, compileDlpPolicies, type DlpCall } from "./compile-dlp-policies";
import { DLP_MAX_FINDINGS, scanArguments, scanToolResult } from "./scan-payload";

const AWS = "AKIAZ3MSJV4WWUZ7GHXQ";
const EMAIL = "jane.doe@acme-corp.io";
const call: DlpCall = {
  orgId: "org_1",
  teamId: "team_a",
  agentId: "agt_1",
  serverId: "srv_1",
  toolId: "tool_1",
  toolName: "files__write",
};
let n = 0;
const policy = (
  config: Record<string, unknown>,
  scope: Partial<SnapshotPolicy["scope"]> = {},
  orgId = "org_1",
): SnapshotPolicy => ({
  id: `pol_${++n}`,
  orgId,
  name: `p${n}`,
  kind: "dlp",
  priority: 100,
  scope: { teams: [], agents: [], servers: [], tools: [], ...scope },
  config,
});
const rulesOf = (compiled: CompiledDlpPolicies, c: DlpCall = call) => compiled.forCall(c);

describe("compileDlpPolicies", () => {
  it("applies a policy only within its organization and scope", () => {
    const compiled = compileDlpPolicies([
      policy({ detectors: ["email"], action: "log" }),
      policy({ detectors: ["email"], action: "log" }, {}, "org_other"),
      policy({ detectors: ["email"], action: "log" }, { teams: ["team_b"] }),
      policy({ detectors: ["email"], action: "log" }, { agents: ["agt_1"], servers: ["srv_1"] }),
      policy({ detectors: ["email"], action: "log" }, { tools: ["files__write"] }),
      policy({ detectors: ["email"], action: "log" }, { tools: ["tool_2"] }),
    ]);
    const ids = rulesOf(compiled)
      .arguments!.entries.values()
      .next()
      .value!.policies.map((p) => p.name);
    expect(ids).toEqual(["p1", "p4", "p5"]);
    expect(
      rulesOf(compiled, { ...call, agentId: "agt_2", toolId: "tool_2", toolName: "files__read" })
        .arguments!.entries.values()
        .next()
        .value!.policies.map((p) => p.name),
    ).toEqual(["p1", "p6"]);
  });

  it("keeps directions apart and skips an invalid policy whole", () => {
    const compiled = compileDlpPolicies([
      policy({ detectors: ["email"], direction: "results", action: "redact" }),
      policy({ detectors: ["nope"], action: "block" }),
      policy({ custom: [{ name: "bad", pattern: "(" }], action: "block" }),
    ]);
    expect(rulesOf(compiled).arguments).toBeNull();
    expect(rulesOf(compiled).results?.detectors.map((d) => d.id)).toEqual(["email"]);
    expect(compiled.skipped.map((s) => s.name)).toHaveLength(2);
    expect(compiled.skipped[1]!.problem).toMatch(/custom\.0\.pattern: not a valid regular expression/);
  });
});

describe("scanArguments", () => {
  it("redacts for forwarding, masks everything for the audit, and names paths", () => {
    const redacting = policy({ detectors: ["aws-access-key"], action: "redact" });
    const logging = policy({ detectors: ["email"], action: "log" });
    const compiled = compileDlpPolicies([redacting, logging]);
    const args = { body: `key ${AWS} for ${EMAIL}`, nested: { "to addr": [EMAIL] }, count: 4 };
    const out = scanArguments(rulesOf(compiled).arguments!, args);
    expect(out.output).toEqual({
      body: `key [REDACTED:aws-access-key] for ${EMAIL}`,
      nested: args.nested,
      count: 4,
    });
    expect(out.output.nested).toBe(args.nested); // untouched branches are shared, not copied
    expect(out.masked).toEqual({
      body: "key [REDACTED:aws-access-key] for [REDACTED:email]",
      nested: { "to addr": ["[REDACTED:email]"] },
      count: 4,
    });
    expect(args.body).toContain(AWS); // the input is never modified
    expect(out.findings).toEqual([
      {
        detector: "aws-access-key",
        direction: "arguments",
        path: "$.arguments.body",
        action: "redact",
        policyId: redacting.id,
      },
      {
        detector: "email",
        direction: "arguments",
        path: "$.arguments.body",
        action: "log",
        policyId: logging.id,
      },
      {
        detector: "email",
        direction: "arguments",
        path: '$.arguments.nested["to addr"][0]',
        action: "log",
        policyId: logging.id,
      },
    ]);
    expect(out.blocked).toBeNull();
    expect(JSON.stringify(out.findings)).not.toContain(AWS);
  });

  it("returns the very same object when nothing matches", () => {
    const compiled = compileDlpPolicies([policy({ detectors: "all", action: "redact" })]);
    const args = { q: "weather in Paris", n: 3 };
    const out = scanArguments(rulesOf(compiled).arguments!, args);
    expect(out.output).toBe(args);
    expect(out.findings).toEqual([]);
  });

  it("reports the first blocking finding in document order", () => {
    const compiled = compileDlpPolicies([
      policy({ detectors: ["aws-access-key", "email"], action: "block" }),
    ]);
    const out = scanArguments(rulesOf(compiled).arguments!, { a: "clean", b: EMAIL, c: AWS });
    expect(out.blocked?.finding).toMatchObject({ detector: "email", path: "$.arguments.b", action: "block" });
    expect(out.masked).toEqual({ a: "clean", b: "[REDACTED:email]", c: "[REDACTED:aws-access-key]" });
  });

  it("replaces a member named __proto__ like any other", () => {
    const compiled = compileDlpPolicies([policy({ detectors: ["aws-access-key"], action: "redact" })]);
    const args = JSON.parse(`{"__proto__": "${AWS}", "x": {"__proto__": ["${AWS}"]}}`);
    const out = scanArguments(rulesOf(compiled).arguments!, args);
    expect(JSON.stringify(out.output)).not.toContain(AWS);
    expect(JSON.stringify(out.masked)).not.toContain(AWS);
  });

  it("caps findings but still names every detector and redacts every match", () => {
    const compiled = compileDlpPolicies([
      policy({ detectors: ["email", "aws-access-key"], action: "redact" }),
    ]);
    const list = Array.from({ length: DLP_MAX_FINDINGS + 50 }, (_, i) => `user${i}@acme-corp.io`);
    const out = scanArguments(rulesOf(compiled).arguments!, { list, last: AWS });
    expect(out.findings).toHaveLength(DLP_MAX_FINDINGS + 1);
    expect(out.findings.at(-1)).toMatchObject({ detector: "aws-access-key", path: "$.arguments.last" });
    expect(JSON.stringify(out.output)).not.toMatch(/@acme-corp\.io|AKIA/);
  });

  it("walks deep nesting without overflowing the stack", () => {
    const compiled = compileDlpPolicies([policy({ detectors: ["aws-access-key"], action: "redact" })]);
    let deep: unknown = AWS;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const out = scanArguments(rulesOf(compiled).arguments!, { deep });
    expect(out.findings).toHaveLength(1);
    let leaf: unknown = out.output.deep;
    while (Array.isArray(leaf)) leaf = leaf[0];
    expect(leaf).toBe("[REDACTED:aws-access-key]");
  });
});

describe("scanToolResult", () => {
  it("covers text content, embedded resource text and structured content; leaves binary and links alone", () => {
    const compiled = compileDlpPolicies([
      policy({ detectors: ["aws-access-key"], direction: "results", action: "redact" }),
    ]);
    const result = {
      content: [
        { type: "text", text: `id ${AWS}` },
        { type: "image", data: AWS, mimeType: "image/png" },
        { type: "resource", resource: { uri: "file:///a", text: `[default]\nkey=${AWS}` } },
        { type: "resource_link", uri: `file:///${AWS}`, name: "x" },
      ],
      structuredContent: { creds: { id: AWS }, list: [1, AWS] },
      isError: false,
    };
    const out = scanToolResult(rulesOf(compiled).results!, result);
    expect(out.findings.map((f) => f.path)).toEqual([
      "$.content[0].text",
      "$.content[2].resource.text",
      "$.structuredContent.creds.id",
      "$.structuredContent.list[1]",
    ]);
    expect(out.output.content[0]).toEqual({ type: "text", text: "id [REDACTED:aws-access-key]" });
    expect(out.output.content[1]).toBe(result.content[1]);
    expect(out.output.content[2]).toEqual({
      type: "resource",
      resource: { uri: "file:///a", text: "[default]\nkey=[REDACTED:aws-access-key]" },
    });
    expect(out.output.structuredContent).toEqual({
      creds: { id: "[REDACTED:aws-access-key]" },
      list: [1, "[REDACTED:aws-access-key]"],
    });
    expect(out.findings.every((f) => f.direction === "result")).toBe(true);
  });
});
