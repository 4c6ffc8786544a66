import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import type { McpServer as LegacyMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { inputRequired, type McpServer as ModernMcpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
const NAME_FORM = {
  type: "object" as const,
  properties: { name: { type: "string" as const } },
  required: ["name"],
};

/** The 2025 fixture's sessions subscribed to its counter resource. */
const counterSubscribers = new Set<LegacyMcpServer>();

/** Changes the 2025 fixture's counter resource: every subscribed session is told. */
export async function bumpCounter(): Promise<number> {
  await Promise.all(
    [...counterSubscribers].map((s) => s.server.sendResourceUpdated({ uri: "fixture://counter" })),
  );
  return counterSubscribers.size;
}

/** What the 2025 fixture's `wait` tool saw: calls that started, and those cancelled upstream. */
export const waitCalls = { started: 0, aborted: 0 };

/**
 * A 2025-revision server (v1 SDK) that does, during its calls, everything a server may ask
 * of its client: log, elicit (form and URL), sample, list roots; a prompt with completions;
 * a tool that waits until cancelled.
 */
export function legacyPassthroughSurface(server: LegacyMcpServer): void {
  server.server.registerCapabilities({ logging: {}, resources: { subscribe: true } });
  for (const name of ["counter", "secret"]) {
    server.registerResource(name, `fixture://${name}`, { mimeType: "text/plain" }, async (uri) => ({
      contents: [{ uri: uri.href, text: name }],
    }));
  }
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    if (request.params.uri === "fixture://counter") counterSubscribers.add(server);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async () => {
    counterSubscribers.delete(server);
    return {};
  });
  server.registerTool("log", { description: "Logs twice, then answers." }, async (extra) => {
    await extra.sendNotification({
      method: "notifications/message",
      params: { level: "info", logger: "fixture", data: "working" },
    });
    await extra.sendNotification({
      method: "notifications/message",
      params: { level: "error", data: "almost failed" },
    });
    return text("logged");
  });
  server.registerTool(
    "ask",
    {
      description: "Asks the user for their name (or to open a URL).",
      inputSchema: { url: z.string().optional() },
    },
    async ({ url }, extra) => {
      const params = url
        ? { mode: "url" as const, message: "Please sign in", url, elicitationId: "e-1" }
        : { mode: "form" as const, message: "Your name?", requestedSchema: NAME_FORM };
      try {
        const answer = await extra.sendRequest({ method: "elicitation/create", params }, ElicitResultSchema);
        return text(`${answer.action}${answer.content ? ` ${JSON.stringify(answer.content)}` : ""}`);
      } catch (error) {
        return text(`elicitation failed: ${(error as Error).message}`);
      }
    },
  );
  server.registerTool("sample", { description: "Asks the client's model for a haiku." }, async (extra) => {
    try {
      const answer = await extra.sendRequest(
        {
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: "A haiku" } }], maxTokens: 50 },
        },
        CreateMessageResultSchema,
      );
      return text(`sampled: ${answer.content.type === "text" ? answer.content.text : answer.content.type}`);
    } catch (error) {
      return text(`sampling failed: ${(error as Error).message}`);
    }
  });
  server.registerTool("roots", { description: "Lists the client's roots." }, async (extra) => {
    const answer = await extra.sendRequest({ method: "roots/list" }, ListRootsResultSchema);
    return text(`roots: ${answer.roots.map((r) => r.uri).join(", ")}`);
  });
  server.registerTool("wait", { description: "Waits until cancelled." }, async (extra) => {
    waitCalls.started++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      extra.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        waitCalls.aborted++;
        resolve();
      });
    });
    return text("waited");
  });
  server.registerPrompt(
    "pick",
    {
      description: "Picks a fruit.",
      argsSchema: {
        fruit: completable(z.string(), (value) =>
          ["apple", "apricot", "banana"].filter((f) => f.startsWith(value)),
        ),
      },
    },
    async ({ fruit }) => ({
      messages: [{ role: "user", content: { type: "text", text: `I pick ${fruit}` } }],
    }),
  );
}

/** The same questions from a 2026-07-28 server (v2 SDK): `input_required` rounds instead of requests. */
export function modernPassthroughSurface(server: ModernMcpServer): void {
  server.server.registerCapabilities({ logging: {} });
  server.registerTool(
    "log",
    { description: "Logs twice, then answers.", inputSchema: z.object({}) },
    async (_args, ctx) => {
      await ctx.mcpReq.log("info", "working", "fixture");
      await ctx.mcpReq.log("error", "almost failed");
      return text("logged");
    },
  );
  // MCP Apps: a tool whose interface is a ui:// resource.
  server.registerTool(
    "dashboard",
    {
      description: "Shows a dashboard.",
      inputSchema: z.object({}),
      _meta: { ui: { resourceUri: "ui://dashboard/main" } },
    },
    async () => text("dashboard shown"),
  );
  server.registerResource(
    "dashboard-ui",
    "ui://dashboard/main",
    { mimeType: "text/html;profile=mcp-app" },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/html;profile=mcp-app", text: "<main>dashboard</main>" }],
    }),
  );
  server.registerTool(
    "ask",
    { description: "Asks the user for their name.", inputSchema: z.object({}) },
    async (_args, ctx) => {
      const answer = ctx.mcpReq.inputResponses?.name as { action?: string; content?: unknown } | undefined;
      if (!answer)
        return inputRequired({
          inputRequests: {
            name: inputRequired.elicit({ message: "Your name?", requestedSchema: NAME_FORM }),
          },
        });
      return text(`${answer.action}${answer.content ? ` ${JSON.stringify(answer.content)}` : ""}`);
    },
  );
  server.registerTool(
    "sample",
    { description: "Asks the client's model for a haiku.", inputSchema: z.object({}) },
    async (_args, ctx) => {
      const answer = ctx.mcpReq.inputResponses?.haiku as { content?: { text?: string } } | undefined;
      if (!answer)
        return inputRequired({
          inputRequests: {
            haiku: inputRequired.createMessage({
              messages: [{ role: "user", content: { type: "text", text: "A haiku" } }],
              maxTokens: 50,
            }),
          },
        });
      return text(`sampled: ${answer.content?.text ?? "?"}`);
    },
  );
}
