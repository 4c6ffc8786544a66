import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { CallContext } from "../pipeline/request-context";
import type { GatewayTasks, Task } from "./passthrough-tasks";

/**
 * The 2026-07-28 form of tasks: the Tasks extension (SEP-2663), negotiated per request under
 * `capabilities.extensions`. It is no part of the core revision and the v2 SDK has none, so
 * the gateway serves it by hand over the same Redis-held gateway tasks as 2025-11-25:
 * - the server decides: a tools/call of a tool whose server lists `taskSupport` optional or
 *   required answers a flat CreateTaskResult (`resultType: "task"`), when the request
 *   declares the extension; without it the call answers directly (a task-only upstream tool
 *   is still run as an upstream task behind it);
 * - `tasks/get` answers the task with its result or error inlined; `tasks/cancel` and
 *   `tasks/update` answer an empty ack; `tasks/result` and `tasks/list` no longer exist;
 * - `tasks/*` of a request that did not declare the extension: -32021.
 * - what the upstream asks the client meanwhile (elicitation, sampling) is governed as in a
 *   plain call and waits in the task: `input_required`, with `inputRequests` on tasks/get,
 *   answered by tasks/update's `inputResponses` (task-input-requests.ts), on the replica
 *   running the call.
 */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** The params of tasks/get, tasks/cancel and tasks/update (the id is checked where it is read). */
export const TASK_PARAMS = z.looseObject({ taskId: z.unknown(), inputResponses: z.unknown().optional() });

/** JSON-RPC "missing required client capability" (SEP-2575). */
const MISSING_CAPABILITY = -32021;

/** Whether this 2026-07-28 request declared the tasks extension in its envelope. */
export function declaresTasks(ctx: ServerContext): boolean {
  return declaresTasksInEnvelope(ctx.mcpReq.envelope as Record<string, unknown> | undefined);
}

/** The same, read from a request's raw params (the fast path has not parsed an envelope). */
export function declaresTasksIn(params: unknown): boolean {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  return (
    typeof meta === "object" && meta !== null && declaresTasksInEnvelope(meta as Record<string, unknown>)
  );
}

function declaresTasksInEnvelope(envelope: Record<string, unknown> | undefined): boolean {
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: unknown } | undefined;
  const extensions = capabilities?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

/** @throws ProtocolError -32021 when the request did not declare the extension. */
export function requireTasks(ctx: ServerContext, method: string): void {
  if (declaresTasks(ctx)) return;
  throw new ProtocolError(
    MISSING_CAPABILITY,
    `${method} needs the ${TASKS_EXTENSION} extension in the request's client capabilities`,
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
  );
}

/** Whether the gateway runs a call of this tool as a task for a client that declared the extension. */
export function supportsTasks(taskSupport: string | undefined): boolean {
  return taskSupport === "optional" || taskSupport === "required";
}

function wireTask(task: Task): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage && { statusMessage: task.statusMessage }),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl,
    pollIntervalMs: task.pollInterval,
  };
}

/** A tools/call's answer when it created a task: the task itself, flat. */
export function createTaskResult(task: Task): Record<string, unknown> {
  return { resultType: "task", ...wireTask(task) };
}

/** tasks/get: the task, with what the call answered (or its error) once it ended. */
export async function detailedTask(
  tasks: GatewayTasks,
  call: CallContext,
  taskId: unknown,
): Promise<Record<string, unknown>> {
  const { task, result, error, inputRequests } = await tasks.detail(call, taskId);
  return {
    resultType: "complete",
    ...wireTask(task),
    ...(inputRequests && { inputRequests }),
    ...(result && { result: { ...result, resultType: "complete" } }),
    ...(error && { error }),
  };
}

/** The empty acknowledgement of tasks/cancel and tasks/update. */
export const ACK = { resultType: "complete" } as const;
