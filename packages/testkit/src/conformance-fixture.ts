import {
  completable,
  createMcpHandler,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { listenLocal, sendWebResponse, toWebRequest } from "./fixture-http";

/**
 * A conformance fixture server (issue 9 point 6), written from the scenario descriptions of
 * `@modelcontextprotocol/conformance` (`conformance list --server`, each scenario's
 * "Server Implementation Requirements"): the tools, resources and prompts those scenarios
 * name, with the contents they expect. It is served by the v2 SDK's `createMcpHandler`, which
 * answers both 2026-07-28 clients and 2025-era ones (its stateless legacy leg), at `/mcp`.
 *
 * The differential test runs the suite against it directly and through a `bare` portal;
 * what matters is that the gateway loses nothing the fixture passes, not a perfect score.
 */
export interface ConformanceFixture {
  url: string;
  close(): Promise<void>;
}

// 1x1 red PNG and a 44-byte silent WAV header: the smallest valid media the scenarios ask for.
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function conformanceServer(): McpServer {
  const server = new McpServer(
    { name: "portcullis-conformance-fixture", version: "1.0.0" },
    { capabilities: { logging: {}, completions: {}, resources: { subscribe: true } } },
  );

  server.registerTool("test_simple_text", { description: "Returns simple text." }, async () =>
    text("This is a simple text response for testing."),
  );
  server.registerTool("test_image_content", { description: "Returns an image." }, async () => ({
    content: [{ type: "image" as const, data: PNG, mimeType: "image/png" }],
  }));
  server.registerTool("test_audio_content", { description: "Returns audio." }, async () => ({
    content: [{ type: "audio" as const, data: WAV, mimeType: "audio/wav" }],
  }));
  server.registerTool(
    "test_embedded_resource",
    { description: "Returns an embedded resource." },
    async () => ({
      content: [
        {
          type: "resource" as const,
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        },
      ],
    }),
  );
  server.registerTool(
    "test_multiple_content_types",
    { description: "Returns text, image and resource." },
    async () => ({
      content: [
        { type: "text" as const, text: "Multiple content types test:" },
        { type: "image" as const, data: PNG, mimeType: "image/png" },
        {
          type: "resource" as const,
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    }),
  );
  server.registerTool("test_tool_with_logging", { description: "Logs three messages." }, async (ctx) => {
    await ctx.mcpReq.log("info", "Tool execution started");
    await sleep(50);
    await ctx.mcpReq.log("info", "Tool processing data");
    await sleep(50);
    await ctx.mcpReq.log("info", "Tool execution completed");
    return text("Tool with logging executed successfully");
  });
  server.registerTool("test_error_handling", { description: "Always fails." }, async () => ({
    ...text("This tool intentionally returns an error for testing"),
    isError: true,
  }));
  server.registerTool("test_tool_with_progress", { description: "Reports progress." }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress, total: 100 },
        });
      }
      if (progress < 100) await sleep(50);
    }
    return text("Tool with progress executed successfully");
  });
  server.registerTool(
    "test_sampling",
    { description: "Asks the client's LLM.", inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx) => {
      const result = await ctx.mcpReq.requestSampling({
        messages: [{ role: "user", content: { type: "text", text: prompt } }],
        maxTokens: 100,
      });
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      return text(`LLM response: ${content && "text" in content ? content.text : ""}`);
    },
  );
  server.registerTool(
    "test_elicitation",
    { description: "Asks the user.", inputSchema: z.object({ message: z.string() }) },
    async ({ message }, ctx) => {
      const result = await ctx.mcpReq.elicitInput({
        message,
        requestedSchema: {
          type: "object",
          properties: {
            username: { type: "string", description: "User's response" },
            email: { type: "string", description: "User's email address" },
          },
          required: ["username", "email"],
        },
      });
      return text(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );
  server.registerTool(
    "test_elicitation_sep1034_defaults",
    { description: "Elicits with defaults." },
    async (ctx) => {
      const result = await ctx.mcpReq.elicitInput({
        message: "Please review and update the form fields with defaults",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "User name", default: "John Doe" },
            age: { type: "integer", description: "User age", default: 30 },
            score: { type: "number", description: "User score", default: 95.5 },
            status: {
              type: "string",
              description: "User status",
              enum: ["active", "inactive", "pending"],
              default: "active",
            },
            verified: { type: "boolean", description: "Verification status", default: true },
          },
        },
      });
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  );
  server.registerTool(
    "test_elicitation_sep1330_enums",
    { description: "Elicits with enums." },
    async (ctx) => {
      const result = await ctx.mcpReq.elicitInput({
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: {
              type: "string",
              description: "Untitled single",
              enum: ["option1", "option2", "option3"],
            },
            titledSingle: {
              type: "string",
              description: "Titled single",
              oneOf: [
                { const: "value1", title: "First Option" },
                { const: "value2", title: "Second Option" },
                { const: "value3", title: "Third Option" },
              ],
            },
            legacyEnum: {
              type: "string",
              description: "Legacy titled",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"],
            },
            untitledMulti: {
              type: "array",
              description: "Untitled multi",
              items: { type: "string", enum: ["option1", "option2", "option3"] },
            },
            titledMulti: {
              type: "array",
              description: "Titled multi",
              items: {
                anyOf: [
                  { const: "value1", title: "First Choice" },
                  { const: "value2", title: "Second Choice" },
                  { const: "value3", title: "Third Choice" },
                ],
              },
            },
          },
        } as never,
      });
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  );

  server.registerResource(
    "static-text",
    "test://static-text",
    { description: "A static text resource.", mimeType: "text/plain" },
    async (uri) => ({
      contents: [
        { uri: uri.href, mimeType: "text/plain", text: "This is the content of the static text resource." },
      ],
    }),
  );
  server.registerResource(
    "static-binary",
    "test://static-binary",
    { description: "A static binary resource.", mimeType: "image/png" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "image/png", blob: PNG }] }),
  );
  server.registerResource(
    "watched-resource",
    "test://watched-resource",
    { description: "A resource to subscribe to.", mimeType: "text/plain" },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/plain", text: "Watched resource content." }],
    }),
  );
  server.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    { description: "A resource template.", mimeType: "application/json" },
    async (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/json",
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        },
      ],
    }),
  );

  server.registerPrompt("test_simple_prompt", { description: "A simple prompt." }, async () => ({
    messages: [
      {
        role: "user" as const,
        content: { type: "text" as const, text: "This is a simple prompt for testing." },
      },
    ],
  }));
  server.registerPrompt(
    "test_prompt_with_arguments",
    {
      description: "A prompt with arguments.",
      argsSchema: z.object({
        arg1: completable(z.string().describe("First test argument"), (value) =>
          ["paris", "park", "party"].filter((v) => v.startsWith(value ?? "")),
        ),
        arg2: z.string().describe("Second test argument"),
      }),
    },
    async ({ arg1, arg2 }) => ({
      messages: [
        {
          role: "user" as const,
          content: { type: "text" as const, text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    {
      description: "A prompt embedding a resource.",
      argsSchema: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
    },
    async ({ resourceUri }) => ({
      messages: [
        {
          role: "user" as const,
          content: {
            type: "resource" as const,
            resource: {
              uri: resourceUri,
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        {
          role: "user" as const,
          content: { type: "text" as const, text: "Please process the embedded resource above." },
        },
      ],
    }),
  );
  server.registerPrompt("test_prompt_with_image", { description: "A prompt with an image." }, async () => ({
    messages: [
      { role: "user" as const, content: { type: "image" as const, data: PNG, mimeType: "image/png" } },
      { role: "user" as const, content: { type: "text" as const, text: "Please analyze the image above." } },
    ],
  }));

  // Subscriptions are accepted and acknowledged; the fixture never changes a resource.
  server.server.setRequestHandler("resources/subscribe", async () => ({}));
  server.server.setRequestHandler("resources/unsubscribe", async () => ({}));
  return server;
}

/** Starts the conformance fixture on a free loopback port; it refuses non-localhost Host headers (DNS rebinding). */
export async function startConformanceFixture(): Promise<ConformanceFixture> {
  const handler = createMcpHandler(() => conformanceServer());
  const allowed = localhostAllowedHostnames();
  let origin = "";
  const listening = await listenLocal(async (req, res) => {
    if (!req.url?.startsWith("/mcp")) return void res.writeHead(404).end();
    const request = toWebRequest(req, res, origin);
    const refused = hostHeaderValidationResponse(request, allowed);
    if (refused) return sendWebResponse(res, refused);
    await sendWebResponse(res, await handler.fetch(request));
  });
  origin = listening.origin;
  return {
    url: `${listening.origin}/mcp`,
    async close() {
      await handler.close();
      await listening.close();
    },
  };
}
