import { type JSONRPCRequest, type Result, Server, type ServerContext } from "@modelcontextprotocol/server";

/** Carries a task-augmented call's `{ task }` answer past the SDK's CallToolResult check. */
class TaskCreated extends Error {
  constructor(readonly result: Result) {
    super("task created");
  }
}

function isCreateTaskResult(result: Result): boolean {
  const flat = result as { resultType?: unknown; taskId?: unknown };
  // 2026-07-28 tasks extension: the task itself, flat, as `resultType: "task"`.
  if (flat.resultType === "task" && typeof flat.taskId === "string") return true;
  const task = (result as { task?: { taskId?: unknown } }).task;
  return typeof task === "object" && task !== null && typeof task.taskId === "string";
}

/**
 * The SDK's Server, except that a 2025-11-25 task-augmented `tools/call` may answer with a
 * CreateTaskResult (`{ task }`), as that revision defines: the SDK checks every tools/call
 * answer against CallToolResult only. So may a 2026-07-28 one with the tasks extension answer
 * its flat CreateTaskResult. Every other answer is still checked as before.
 */
export class TaskAwareServer extends Server {
  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    if (method !== "tools/call") return super._wrapHandler(method, handler);
    const checked = super._wrapHandler(method, async (request, ctx) => {
      const result = await handler(request, ctx);
      if (isCreateTaskResult(result)) throw new TaskCreated(result);
      return result;
    });
    return async (request, ctx) => {
      try {
        return await checked(request, ctx);
      } catch (err) {
        if (err instanceof TaskCreated) return err.result;
        throw err;
      }
    };
  }
}
