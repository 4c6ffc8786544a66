import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ElicitResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/**
 * Registers `order` on a v1 SDK server with a task store: a 2025-11-25 task tool
 * (`taskSupport: optional`) that reads `input_required` and asks the client which size
 * (elicitation tied to its task, so it travels on the task's side channel), then completes
 * with `<action>: a <size> <drink>`. `onTask` hears each upstream task id (none may reach a
 * client through the gateway).
 */
export function registerAskingOrderTool(
  server: McpServer,
  onTask: (taskId: string) => void = () => {},
): void {
  server.experimental.tasks.registerToolTask(
    "order",
    {
      description: "Orders a coffee.",
      inputSchema: { drink: z.string() },
      execution: { taskSupport: "optional" },
    },
    {
      createTask: async ({ drink }, extra) => {
        const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
        onTask(task.taskId);
        void (async () => {
          await extra.taskStore.updateTaskStatus(task.taskId, "input_required");
          const answer = await server.server.request(
            {
              method: "elicitation/create",
              params: {
                mode: "form",
                message: `Which size of ${drink}?`,
                requestedSchema: { type: "object", properties: { size: { type: "string" } } },
              },
            },
            ElicitResultSchema,
            { relatedTask: { taskId: task.taskId } },
          );
          await extra.taskStore.storeTaskResult(task.taskId, "completed", {
            content: [{ type: "text", text: `${answer.action}: a ${String(answer.content?.size)} ${drink}` }],
          });
        })().catch((err: unknown) =>
          extra.taskStore.storeTaskResult(task.taskId, "completed", {
            content: [{ type: "text", text: `elicitation failed: ${String(err)}` }],
            isError: true,
          }),
        );
        return { task };
      },
      getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
      getTaskResult: async (_args, extra) =>
        (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
    },
  );
}
