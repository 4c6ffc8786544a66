import type { AuditEvent } from "@portcullis/contracts/audit";
import type { SnapshotAgent, SnapshotServer } from "@portcullis/contracts/snapshot";
import {
  type FixtureServer,
  type FixtureTool,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CLIENTS, connectLegacyClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Secrets the detectors must catch. None may ever show up in an audit event or a log line.
const AWS = "AKIAZ3MSJV4WWUZ7GHXQ";
const GITHUB = "ghp_aBcD1234eFgH5678iJkL9012mNoP3456qRsT";
const EMAIL = "jane.doe@acme-corp.io";
const CARD = "4532 0151 1283 0366";
const EMPLOYEE = "EMP-482913";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const KEY_BODY = Array.from(
  { length: 6 },
  (_, i) => `MIIEowIBAAKCAQEA${i}x7Gb9kQ2vLr0PzN4mWcYtJ8sHfU3eXaRdKo1qBnVgCi5hTl`,
).join("\n");
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----\n${KEY_BODY}\n-----END RSA PRIVATE KEY-----`;
const SECRETS = [AWS, GITHUB, EMAIL, CARD, EMPLOYEE, JWT, KEY_BODY.split("\n")[0]!];

const leakyTools: Record<string, FixtureTool> = {
  leak: {
    description: "Returns credentials in every part of a result.",
    handler: () => ({
      content: [
        { type: "text", text: `aws ${AWS}, gh ${GITHUB}, mail ${EMAIL}, staff ${EMPLOYEE}` },
        {
          type: "resource",
          resource: { uri: "file:///creds.pem", mimeType: "text/plain", text: PRIVATE_KEY },
        },
      ],
      structuredContent: { session: { token: JWT }, payment: { card: CARD } },
    }),
  },
  "leak-key": {
    description: "Returns a private key.",
    handler: () => ({ content: [{ type: "text", text: `here you go:\n${PRIVATE_KEY}` }] }),
  },
  note: {
    description: "Stores a note.",
    inputSchema: { title: z.string(), body: z.string() },
    handler: ({ title, body }: { title: string; body: string }) => ({
      content: [{ type: "text", text: `saved '${title}': ${body}` }],
    }),
  },
};

let alpha: FixtureServer;
let beta: FixtureServer;
let h: GatewayHarness;
const keys: Record<"alice" | "bob" | "carol", string> = { alice: "", bob: "", carol: "" };
const forwarded: Array<{ server: string; name: string; args: Record<string, unknown> }> = [];
const logLines: string[] = [];
const policyIds: Record<string, string> = {};

beforeAll(async () => {
  alpha = await startLegacyHttpServer({
    tag: "alpha",
    tools: leakyTools,
    onCall: (name, args) => forwarded.push({ server: "alpha", name, args }),
  });
  beta = await startModernHttpServer({
    tag: "beta",
    tools: leakyTools,
    onCall: (name, args) => forwarded.push({ server: "beta", name, args }),
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const logger = pino({ level: "trace" }, { write: (line: string) => void logLines.push(line) });
  h = await startGatewayHarness({
    logger,
    configure: async (b) => {
      const servers: Record<string, SnapshotServer> = {
        alpha: b.server({ name: "alpha", transport: "streamable-http", url: alpha.url }),
        beta: b.server({ name: "beta", transport: "streamable-http", url: beta.url }),
      };
      for (const s of Object.values(servers)) b.addTools(s, await pool.listTools(b.upstreamSpecForTest(s)));
      const agents: Record<string, SnapshotAgent> = {
        alice: b.agent("alice", "platform"),
        bob: b.agent("bob", "platform"),
        carol: b.agent("carol", "research"),
      };
      for (const name of ["alice", "bob", "carol"] as const) keys[name] = b.key(agents[name]!).key;
      for (const team of ["platform", "research"]) {
        b.grant({ team }, servers.alpha!, "*");
        b.grant({ team }, servers.beta!, "*");
      }
      const toolId = (exposed: string) => b.build(0).tools.find((t) => t.exposedName === exposed)!.id;
      const add = (name: string, ...args: Parameters<typeof b.policy>) => {
        const p = b.policy(...args);
        p.name = name;
        policyIds[name] = p.id;
      };
      add(
        "no-cloud-keys",
        "dlp",
        { detectors: ["aws-access-key", "github-token"], direction: "arguments", action: "block" },
        { servers: [servers.alpha!.id] },
      );
      add(
        "mask-results",
        "dlp",
        {
          detectors: "all",
          custom: [{ name: "employee-id", pattern: "EMP-\\d{6}" }],
          direction: "results",
          action: "redact",
        },
        { tools: [toolId("alpha__leak")] },
      );
      add(
        "block-result-keys",
        "dlp",
        { detectors: ["private-key"], direction: "results", action: "block" },
        { tools: [toolId("alpha__leak-key")] },
      );
      add("watch-emails", "dlp", { detectors: ["email"], action: "log" }, { agents: [agents.alice!.id] });
      add(
        "redact-cards",
        "dlp",
        { detectors: ["credit-card"], direction: "arguments", action: "redact" },
        { teams: [b.team("platform")] },
      );
      add("broken", "dlp", { detectors: ["no-such-detector"], action: "block" });
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await alpha?.close();
  await beta?.close();
});

/** Runs one call and returns what the agent got (result or error) with the call's audit event. */
async function audited(
  agent: string,
  server: string,
  tool: string,
  call: () => Promise<unknown>,
): Promise<{ outcome: unknown; event: AuditEvent }> {
  const mine = (e: AuditEvent) =>
    e.method === "tools/call" && e.agentName === agent && e.serverName === server && e.toolName === tool;
  const before = h.events.filter(mine).length;
  const outcome = await call().catch((error: unknown) => error);
  const events = await h.waitForEvents((all) => all.filter(mine).length > before);
  return { outcome, event: events.filter(mine)[before]! };
}

const leaks = (value: unknown) =>
  SECRETS.filter((s) => JSON.stringify(value).includes(JSON.stringify(s).slice(1, -1)));

describe.each(CLIENTS)("DLP with a client of revision $revision", ({ connect }) => {
  it("blocks a call whose arguments carry a key: nothing is forwarded, the error names detector and path", async () => {
    const client = await connect(h.gateway.url, keys.bob);
    const calls = alpha.calls;
    const { outcome, event } = await audited("bob", "alpha", "note", () =>
      client.callTool("alpha__note", { title: "deploy", body: `use ${AWS} for prod` }),
    );
    await client.close();
    expect(String(outcome)).toMatch(
      /call to 'alpha__note' blocked by DLP policy 'no-cloud-keys': aws-access-key in \$\.arguments\.body/,
    );
    expect(String(outcome)).not.toContain(AWS);
    expect(alpha.calls).toBe(calls);
    expect(event).toMatchObject({
      decision: "denied",
      arguments: { title: "deploy", body: "use [REDACTED:aws-access-key] for prod" },
      dlp: [
        {
          detector: "aws-access-key",
          direction: "arguments",
          path: "$.arguments.body",
          action: "block",
          policyId: policyIds["no-cloud-keys"],
        },
      ],
    });
    expect(leaks(event)).toEqual([]);
  });

  it("redacts every part of a result before the agent sees it", async () => {
    const client = await connect(h.gateway.url, keys.bob);
    const { outcome, event } = await audited("bob", "alpha", "leak", () =>
      client.callTool("alpha__leak", {}),
    );
    await client.close();
    const result = outcome as { content: unknown[]; structuredContent?: unknown; isError?: boolean };
    expect(leaks(result)).toEqual([]);
    expect(result.content).toEqual([
      {
        type: "text",
        text: "aws [REDACTED:aws-access-key], gh [REDACTED:github-token], mail [REDACTED:email], staff [REDACTED:employee-id]",
      },
      {
        type: "resource",
        resource: { uri: "file:///creds.pem", mimeType: "text/plain", text: "[REDACTED:private-key]" },
      },
    ]);
    expect(result.structuredContent).toEqual({
      session: { token: "[REDACTED:jwt]" },
      payment: { card: "[REDACTED:credit-card]" },
    });
    expect(result.isError).toBeFalsy();
    expect(event.decision).toBe("allowed");
    expect(event.resultSummary).toContain("aws [REDACTED:aws-access-key]");
    expect(leaks(event)).toEqual([]);
    expect(event.dlp?.map((f) => `${f.detector} ${f.path} ${f.action}`).sort()).toEqual([
      "aws-access-key $.content[0].text redact",
      "credit-card $.structuredContent.payment.card redact",
      "email $.content[0].text redact",
      "employee-id $.content[0].text redact",
      "github-token $.content[0].text redact",
      "jwt $.structuredContent.session.token redact",
      "private-key $.content[1].resource.text redact",
    ]);
  });
});

describe("DLP actions and scope", () => {
  it("masks the audit copy of a call refused before DLP ran (invalid arguments)", async () => {
    const client = await CLIENTS[0].connect(h.gateway.url, keys.bob);
    const { outcome, event } = await audited("bob", "alpha", "note", () =>
      client.callTool("alpha__note", { title: 42, body: `use ${AWS} for prod` }),
    );
    await client.close();
    expect(String(outcome)).toMatch(/invalid arguments for 'alpha__note'/);
    expect(event.decision).toBe("invalid");
    expect(leaks(event)).toEqual([]);
    expect(JSON.stringify(event.arguments)).toContain("[REDACTED:aws-access-key]");
  });

  it("replaces a blocked result with an error result, and still audits the call", async () => {
    const client = await connectLegacyClient(h.gateway.url, keys.bob);
    const calls = alpha.calls;
    const { outcome, event } = await audited("bob", "alpha", "leak-key", () =>
      client.callTool("alpha__leak-key", {}),
    );
    await client.close();
    expect(alpha.calls).toBe(calls + 1);
    expect(outcome).toEqual({
      content: [
        {
          type: "text",
          text: "result of 'alpha__leak-key' blocked by DLP policy 'block-result-keys': private-key in $.content[0].text",
        },
      ],
      isError: true,
    });
    expect(event).toMatchObject({
      decision: "denied",
      isError: true,
      upstreamStatus: "ok",
      dlp: [
        {
          detector: "private-key",
          direction: "result",
          action: "block",
          policyId: policyIds["block-result-keys"],
        },
      ],
    });
    expect(leaks(event)).toEqual([]);
  });

  it("log-only records the finding and changes nothing, yet the audit keeps only masked copies", async () => {
    const client = await connectLegacyClient(h.gateway.url, keys.alice);
    const { outcome, event } = await audited("alice", "beta", "echo", () =>
      client.callTool("beta__echo", { message: `reach me at ${EMAIL}` }),
    );
    await client.close();
    expect(outcome).toMatchObject({ content: [{ type: "text", text: `echo: reach me at ${EMAIL}` }] });
    expect(forwarded.at(-1)).toEqual({
      server: "beta",
      name: "echo",
      args: { message: `reach me at ${EMAIL}` },
    });
    expect(event.arguments).toEqual({ message: "reach me at [REDACTED:email]" });
    expect(event.resultSummary).toBe("echo: reach me at [REDACTED:email]");
    expect(event.dlp).toEqual([
      {
        detector: "email",
        direction: "arguments",
        path: "$.arguments.message",
        action: "log",
        policyId: policyIds["watch-emails"],
      },
      {
        detector: "email",
        direction: "result",
        path: "$.content[0].text",
        action: "log",
        policyId: policyIds["watch-emails"],
      },
    ]);
    expect(event.decision).toBe("allowed");
  });

  it("redacts arguments before they are forwarded", async () => {
    const client = await connectLegacyClient(h.gateway.url, keys.bob);
    const { outcome, event } = await audited("bob", "beta", "note", () =>
      client.callTool("beta__note", { title: "order", body: `card ${CARD} exp 12/27` }),
    );
    await client.close();
    expect(forwarded.at(-1)).toEqual({
      server: "beta",
      name: "note",
      args: { title: "order", body: "card [REDACTED:credit-card] exp 12/27" },
    });
    expect(outcome).toMatchObject({
      content: [{ type: "text", text: "saved 'order': card [REDACTED:credit-card] exp 12/27" }],
    });
    expect(event.arguments).toEqual({ title: "order", body: "card [REDACTED:credit-card] exp 12/27" });
    expect(leaks(event)).toEqual([]);
  });

  it("leaves calls outside a policy's scope alone: other server, agent, team and tool", async () => {
    const carol = await connectLegacyClient(h.gateway.url, keys.carol);
    const bob = await connectLegacyClient(h.gateway.url, keys.bob);
    // Server scope: no-cloud-keys covers alpha only.
    const other = await audited("bob", "beta", "echo", () => bob.callTool("beta__echo", { message: AWS }));
    expect(other.outcome).toMatchObject({ content: [{ type: "text", text: `echo: ${AWS}` }] });
    expect(other.event.dlp ?? null).toBeNull();
    // Agent scope: watch-emails covers alice only.
    const notAlice = await audited("bob", "alpha", "echo", () =>
      bob.callTool("alpha__echo", { message: EMAIL }),
    );
    expect(notAlice.event.dlp ?? null).toBeNull();
    expect(notAlice.event.arguments).toEqual({ message: EMAIL });
    // Team scope: redact-cards covers platform; carol is in research.
    const research = await audited("carol", "alpha", "note", () =>
      carol.callTool("alpha__note", { title: "t", body: CARD }),
    );
    expect(forwarded.at(-1)?.args).toEqual({ title: "t", body: CARD });
    expect(research.event.dlp ?? null).toBeNull();
    // Tool scope: mask-results covers alpha__leak, not beta__leak.
    const otherTool = await audited("carol", "beta", "leak", () => carol.callTool("beta__leak", {}));
    expect(JSON.stringify(otherTool.outcome)).toContain(AWS);
    expect(otherTool.event.dlp ?? null).toBeNull();
    await carol.close();
    await bob.close();
  });

  it("never writes a matched value to the logs, and logs a policy it had to skip", () => {
    const logs = logLines.join("");
    expect(logs).toContain("dlp policy skipped: invalid config");
    expect(logs).toContain('"policy":"broken"');
    // The out-of-scope calls above legitimately carried AWS, EMAIL and CARD in the clear;
    // the logs must not hold any of them either way.
    expect(SECRETS.filter((s) => logs.includes(s))).toEqual([]);
    const findings = logLines.filter((l) => l.includes('"msg":"dlp findings"'));
    expect(findings.length).toBeGreaterThanOrEqual(6);
    expect(findings.join("")).toContain(
      '"detector":"aws-access-key","direction":"arguments","path":"$.arguments.body"',
    );
  });
});
