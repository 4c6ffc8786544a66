import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js";
import { z } from "zod";
import { type FixtureServer, startLegacyHttpServer } from "./fixture-servers";

/**
 * A v1 SDK server (2025-11-25 tasks) whose tools declare `execution.taskSupport`, for tests
 * that only need what such a server lists (catalog sync, tools/list). Each task tool answers
 * with a task that completes at once with the text `<name> done`.
 */
export function startTaskToolServer(
  tag: string,
  tools: Record<string, "optional" | "required">,
): Promise<FixtureServer> {
  return startLegacyHttpServer({
    tag,
    serverOptions: {
      taskStore: new InMemoryTaskStore(),
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    },
    extend: (server) => {
      for (const [name, taskSupport] of Object.entries(tools)) {
        server.experimental.tasks.registerToolTask(
          name,
          {
            description: `${name} as a task.`,
            inputSchema: { kind: z.string() },
            execution: { taskSupport },
          },
          {
            createTask: async (_args, extra) => {
              const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
              await extra.taskStore.storeTaskResult(task.taskId, "completed", {
                content: [{ type: "text", text: `${name} done` }],
              });
              return { task };
            },
            getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
            getTaskResult: async (_args, extra) =>
              (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
          },
        );
      }
    },
  });
}
