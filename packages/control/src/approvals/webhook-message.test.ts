import { describe, expect, it } from "vitest";
import type { ApprovalView } from "./list-approvals";
import { approvalWebhookMessage } from "./webhook-message";

// The delivery itself (a real HTTP receiver, retries) is tested in apps/gateway's approvals test.
const view: ApprovalView = {
  id: "apr_123",
  status: "pending",
  agent: { id: "agt_1", name: "ops-bot" },
  client: null,
  team: { id: "team_1", name: "payments" },
  teams: [{ id: "team_1", name: "payments" }],
  caller: "agent ops-bot",
  requester: null,
  server: { id: "srv_1", name: "db" },
  toolName: "drop_table",
  exposedName: "db__drop_table",
  riskClass: "destructive",
  reason: null,
  arguments: { table: "users" },
  argumentsHash: "0".repeat(64),
  highlights: [],
  source: null,
  requestId: "req_1",
  requestedAt: new Date("2026-01-01T00:00:00Z"),
  expiresAt: new Date("2026-01-01T00:10:00Z"),
  decidedAt: null,
  decidedBy: null,
  comment: null,
};

const contextLine = (message: Record<string, unknown>) => {
  const blocks = message.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>;
  return blocks.find((b) => b.type === "context")?.elements?.[0]?.text;
};

describe("approvalWebhookMessage", () => {
  it("links to the request in the console when its URL is known", () => {
    expect(contextLine(approvalWebhookMessage(view, "requested", { consoleUrl: "https://c.example/" }))).toBe(
      "Approval `apr_123` · <https://c.example/approvals?id=apr_123|review it in the console>",
    );
  });

  it("has no link without the console's URL", () => {
    expect(contextLine(approvalWebhookMessage(view, "requested"))).toBe("Approval `apr_123`");
    expect(JSON.stringify(approvalWebhookMessage({ ...view, status: "denied" }, "decided"))).not.toContain(
      "/approvals",
    );
  });
});
