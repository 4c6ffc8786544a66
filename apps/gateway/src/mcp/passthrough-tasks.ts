import { setTimeout as sleep } from "node:timers/promises";
import { ProtocolError, RELATED_TASK_META_KEY, type Transport } from "@modelcontextprotocol/server";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { type RedisNames, taskKeys } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { resolveTool } from "../pipeline/call-tool";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { toWireError } from "../pipeline/wire-errors";
import type { PassthroughPeers } from "./passthrough-peers";
import { TaskRemoteListeners } from "./task-remote-listeners";
import { TaskSideChannel } from "./task-side-channel";

/** A task as 2025-11-25 defines it (tasks/get answers this; tools/call answers `{ task }`). */
export interface Task {
  taskId: string;
  status: "working" | "input_required" | "completed" | "failed" | "cancelled";
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttl: number;
  pollInterval: number;
}

/** How long a task and its result are kept when the client asks for no TTL, or a longer one. */
export const MAX_TASK_TTL_MS = 24 * 3600_000;
const POLL_INTERVAL_MS = 500;
const LIST_PAGE = 100;
const CANCEL_CHECK_MS = 1_000;
const TERMINAL = new Set(["completed", "failed", "cancelled"]);

// A task ends once: the first of "finished" and "cancelled" wins, on whichever replica.
const FINISH = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'working' and status ~= 'input_required' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[2], ARGV[3], ARGV[4], 'statusMessage', ARGV[5])
return 1`;

// working <-> input_required, only while the task has not ended.
const SET_STATUS = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'lastUpdatedAt', ARGV[3])
return 1`;

/**
 * Tasks for task-augmented `tools/call` (2025-11-25 `tasks/get`, `tasks/result`,
 * `tasks/list`, `tasks/cancel`). The gateway runs the call itself, through the whole
 * pipeline (grants, rate limits, DLP, approval — a call waiting for a human is the
 * natural task), and keeps its state in Redis so any replica answers for it. Task ids are
 * the gateway's own, unguessable and bound to the agent (or person) that created them:
 * another subject's id is "unknown task", and a task whose tool the subject may no longer
 * call cannot be read (its grant is decided again on every read).
 */
export class GatewayTasks {
  /** Calls running in this process, so a cancellation (here or on another replica) aborts them. */
  private readonly running = new Map<string, AbortController>();
  /** How the calls running here reach their clients (through the clients' tasks/result). */
  private readonly sides = new Map<string, TaskSideChannel>();
  private watcher: NodeJS.Timeout | null = null;
  /** tasks/result streams on other replicas than the one running the call (with peers only). */
  private readonly remote: TaskRemoteListeners | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly logger: Logger,
    peers?: PassthroughPeers,
  ) {
    this.remote = peers ? new TaskRemoteListeners(peers, (id) => this.sides.get(id)) : undefined;
  }

  /**
   * Starts `run` as a task of `call` for tool `toolName` (decided up front: an unknown or
   * denied tool is refused as a plain call is, and no task is created). Resolves with the
   * task at once; `finished` settles when the call ends (its audit event is recorded then).
   * `run` gets the task's side channel: what the upstream asks the client during the call
   * goes through it (the task reads `input_required` meanwhile).
   */
  async start(
    call: CallContext,
    toolName: string,
    requestedTtl: number | undefined,
    run: (signal: AbortSignal, side: TaskSideChannel) => Promise<Record<string, unknown>>,
  ): Promise<{ task: Task; finished: Promise<void> }> {
    resolveTool(call, toolName);
    const subject = policySubject(call.identity).id;
    const now = new Date().toISOString();
    const ttl = Math.min(requestedTtl ?? MAX_TASK_TTL_MS, MAX_TASK_TTL_MS);
    const task: Task = {
      taskId: newId("task"),
      status: "working",
      createdAt: now,
      lastUpdatedAt: now,
      ttl,
      pollInterval: POLL_INTERVAL_MS,
    };
    const keys = taskKeys(this.names, task.taskId, subject);
    await this.redis
      .multi()
      .hset(keys.record, {
        subject,
        tool: toolName,
        status: task.status,
        createdAt: now,
        lastUpdatedAt: now,
        ttl,
        // The process running the call: a tasks/result on another one asks it for the side channel.
        owner: this.remote?.processId ?? "",
      })
      .pexpire(keys.record, ttl)
      .zadd(keys.bySubject, Date.now(), task.taskId)
      // Tasks live at most MAX_TASK_TTL_MS: older index entries name nothing.
      .zremrangebyscore(keys.bySubject, "-inf", Date.now() - MAX_TASK_TTL_MS)
      .pexpire(keys.bySubject, MAX_TASK_TTL_MS)
      .exec();
    const controller = new AbortController();
    this.running.set(task.taskId, controller);
    // The open questions (2026-07-28 extension) are mirrored in the record, in order, so a
    // tasks/get served by another replica shows them.
    let mirrored: Promise<unknown> = Promise.resolve();
    const mirror = (current: Record<string, unknown> | undefined) => {
      mirrored = mirrored
        .then(() =>
          current
            ? this.redis.hset(keys.record, "inputRequests", JSON.stringify(current))
            : this.redis.hdel(keys.record, "inputRequests"),
        )
        .catch(() => undefined);
    };
    const side = new TaskSideChannel(
      task.taskId,
      async (inputRequired) => {
        const [from, to] = inputRequired ? ["working", "input_required"] : ["input_required", "working"];
        await this.redis.eval(SET_STATUS, 1, keys.record, from, to, new Date().toISOString());
      },
      mirror,
    );
    this.sides.set(task.taskId, side);
    this.watchCancellations();
    const finished = run(controller.signal, side)
      .then(
        (result) => this.finish(keys.record, "completed", "result", result, ""),
        (err: unknown) => {
          const wire = toWireError(err, call);
          return this.finish(
            keys.record,
            "failed",
            "error",
            { code: wire.code, message: wire.message, data: wire.data },
            wire.message,
          );
        },
      )
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err), taskId: task.taskId }, "task state not saved"),
      )
      .finally(() => {
        side.inputs.abandon("the task ended");
        this.running.delete(task.taskId);
        this.sides.delete(task.taskId);
      });
    return { task, finished };
  }

  /** tasks/get. @throws AppError NOT_FOUND (unknown, expired, another's), FORBIDDEN (tool no longer granted). */
  async get(call: CallContext, taskId: unknown): Promise<Task> {
    return taskOf(await this.readOwned(call, taskId));
  }

  /**
   * tasks/result: waits until the task ends, then answers what tools/call would have (or its
   * error), tagged with the task it belongs to. Meanwhile, when the call runs here, what its
   * upstream asks the client goes out on `stream` (this request's response stream).
   */
  async result(
    call: CallContext,
    taskId: unknown,
    signal: AbortSignal,
    stream?: { transport: Transport | undefined; relatedRequestId: string | number },
  ): Promise<Record<string, unknown>> {
    let fields = await this.readOwned(call, taskId);
    const side = this.sides.get(String(taskId));
    const owner = fields.owner;
    const detach =
      side && stream?.transport
        ? side.listen({ transport: stream.transport, relatedRequestId: stream.relatedRequestId })
        : !side && stream?.transport && this.remote && owner && !TERMINAL.has(fields.status ?? "")
          ? await this.remote.listen(owner, String(taskId), {
              transport: stream.transport,
              relatedRequestId: stream.relatedRequestId,
            })
          : undefined;
    try {
      while (!TERMINAL.has(fields.status ?? "")) {
        // Polls Redis: the call may run on another replica.
        await sleep(POLL_INTERVAL_MS / 5, undefined, { signal }).catch(() => {
          throw new AppError("UNAVAILABLE", "tasks/result was cancelled");
        });
        fields = await this.readOwned(call, taskId);
      }
    } finally {
      detach?.();
    }
    const related = { [RELATED_TASK_META_KEY]: { taskId: String(taskId) } };
    if (fields.status === "completed") {
      const result = JSON.parse(fields.result ?? "{}") as Record<string, unknown>;
      return { ...result, _meta: { ...(result._meta as object | undefined), ...related } };
    }
    if (fields.status === "cancelled")
      throw new AppError("INVALID_INPUT", `task '${String(taskId)}' was cancelled`);
    const error = JSON.parse(fields.error ?? "{}") as { code?: number; message?: string; data?: unknown };
    throw new ProtocolError(error.code ?? -32603, error.message ?? "the task failed", error.data);
  }

  /** tasks/list: this subject's tasks whose tools it may still call, newest first. */
  async list(call: CallContext, cursor: unknown): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const subject = policySubject(call.identity).id;
    const start = typeof cursor === "string" && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    const ids = await this.redis.zrevrange(
      taskKeys(this.names, "", subject).bySubject,
      start,
      start + LIST_PAGE - 1,
    );
    const tasks: Task[] = [];
    for (const id of ids) {
      const fields = await this.read(id, subject);
      if (fields && this.mayCall(call, fields.tool ?? "")) tasks.push(taskOf({ ...fields, taskId: id }));
    }
    return { tasks, ...(ids.length === LIST_PAGE && { nextCursor: String(start + LIST_PAGE) }) };
  }

  /**
   * A task as it stands, with its outcome once it ended: what tools/call answered (without
   * related-task `_meta`), or the error. The 2026-07-28 tasks extension inlines both in tasks/get.
   */
  async detail(
    call: CallContext,
    taskId: unknown,
  ): Promise<{
    task: Task;
    result?: Record<string, unknown>;
    error?: Record<string, unknown>;
    inputRequests?: Record<string, unknown>;
  }> {
    const fields = await this.readOwned(call, taskId);
    const task = taskOf(fields);
    if (fields.status === "input_required") {
      const side = this.sides.get(String(taskId));
      // Running here: the questions as they stand; elsewhere: as its replica mirrored them.
      const inputRequests = side
        ? side.inputs.current()
        : fields.inputRequests
          ? (JSON.parse(fields.inputRequests) as Record<string, unknown>)
          : undefined;
      return inputRequests ? { task, inputRequests } : { task };
    }
    if (fields.status === "completed")
      return { task, result: JSON.parse(fields.result ?? "{}") as Record<string, unknown> };
    if (fields.status === "failed")
      return { task, error: JSON.parse(fields.error ?? "{}") as Record<string, unknown> };
    return { task };
  }

  /** tasks/cancel: a working task ends as cancelled (its call aborted when it runs here). */
  async cancel(call: CallContext, taskId: unknown): Promise<Task> {
    const fields = await this.readOwned(call, taskId);
    const id = String(taskId);
    if (TERMINAL.has(fields.status ?? ""))
      throw new AppError(
        "INVALID_INPUT",
        `task '${id}' already ended (${fields.status}); it cannot be cancelled`,
      );
    await this.cancelRunning(id);
    return this.get(call, taskId);
  }

  /**
   * tasks/update (2026-07-28 extension): the answers reach the call at once when it runs
   * here, else through Redis: the replica running it takes them within a second (its
   * cancellation check, `watchCancellations`).
   */
  async update(call: CallContext, taskId: unknown, responses: unknown): Promise<void> {
    const fields = await this.readOwned(call, taskId);
    const side = this.sides.get(String(taskId));
    if (side) {
      side.inputs.answer(responses);
      return;
    }
    if (TERMINAL.has(fields.status ?? "") || typeof responses !== "object" || responses === null) return;
    const { answers } = taskKeys(this.names, String(taskId), "");
    await this.redis
      .multi()
      .rpush(answers, JSON.stringify(responses))
      .pexpire(answers, Number(fields.ttl ?? MAX_TASK_TTL_MS))
      .exec();
  }

  /** tasks/cancel as the 2026-07-28 extension has it: an ended task is left as it is, without an error. */
  async cancelIfRunning(call: CallContext, taskId: unknown): Promise<void> {
    const fields = await this.readOwned(call, taskId);
    if (!TERMINAL.has(fields.status ?? "")) await this.cancelRunning(String(taskId));
  }

  private async cancelRunning(id: string): Promise<void> {
    const record = taskKeys(this.names, id, "").record;
    await this.finish(record, "cancelled", "result", null, "cancelled by the client");
    this.running.get(id)?.abort(new AppError("UNAVAILABLE", "the task was cancelled by the client"));
  }

  /** Stops watching for cancellations (no call running, or shutdown). */
  close(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  /** Shutdown after the drain: calls still running end as failed tasks, saying why. */
  abandonRunning(): void {
    this.close();
    for (const controller of this.running.values())
      controller.abort(
        new AppError("UNAVAILABLE", "the gateway shut down while the task ran; call the tool again"),
      );
  }

  /**
   * A tasks/cancel may reach another replica: it marks the task cancelled in Redis, and the
   * process running the call sees that here (one pipelined read of its running tasks a second)
   * and aborts the upstream call. The same read takes the tasks/update answers another replica
   * queued for them.
   */
  private watchCancellations(): void {
    if (this.watcher) return;
    this.watcher = setInterval(() => {
      if (this.running.size === 0) {
        this.close();
        return;
      }
      const ids = [...this.running.keys()];
      const pipeline = this.redis.pipeline();
      for (const id of ids) {
        const keys = taskKeys(this.names, id, "");
        pipeline.hget(keys.record, "status").lpop(keys.answers, 100);
      }
      void pipeline
        .exec()
        .then((replies) => {
          ids.forEach((id, i) => {
            if (replies?.[2 * i]?.[1] === "cancelled")
              this.running
                .get(id)
                ?.abort(new AppError("UNAVAILABLE", "the task was cancelled by the client"));
            // tasks/update answers another replica received.
            const forwarded = (replies?.[2 * i + 1]?.[1] as string[] | null) ?? [];
            for (const raw of forwarded) this.sides.get(id)?.inputs.answer(JSON.parse(raw));
          });
        })
        .catch(() => undefined);
    }, CANCEL_CHECK_MS);
    this.watcher.unref();
  }

  private async finish(
    record: string,
    status: "completed" | "failed" | "cancelled",
    field: "result" | "error",
    value: unknown,
    message: string,
  ): Promise<void> {
    await this.redis.eval(
      FINISH,
      1,
      record,
      status,
      new Date().toISOString(),
      field,
      JSON.stringify(value),
      message,
    );
  }

  private async read(taskId: string, subject: string): Promise<Record<string, string> | null> {
    const fields = await this.redis.hgetall(taskKeys(this.names, taskId, subject).record);
    return fields.subject === subject ? { ...fields, taskId } : null;
  }

  private async readOwned(call: CallContext, taskId: unknown): Promise<Record<string, string>> {
    const subject = policySubject(call.identity).id;
    const fields =
      typeof taskId === "string" && /^tsk_[0-9A-Za-z]{20}$/.test(taskId)
        ? await this.read(taskId, subject)
        : null;
    // Another subject's task is indistinguishable from one that never existed.
    if (!fields) throw new AppError("NOT_FOUND", `unknown task '${String(taskId)}'`);
    try {
      resolveTool(call, fields.tool ?? "");
    } catch {
      throw new AppError(
        "FORBIDDEN",
        `task '${String(taskId)}' is of a call to '${fields.tool}', which this agent may no longer make`,
      );
    }
    return fields;
  }

  /** Whether the subject may call the tool now (without touching the request's audit fields). */
  private mayCall(call: CallContext, toolName: string): boolean {
    try {
      resolveTool({ ...call, audit: { ...call.audit } }, toolName);
      return true;
    } catch {
      return false;
    }
  }
}

function taskOf(fields: Record<string, string>): Task {
  return {
    taskId: fields.taskId ?? "",
    status: (fields.status ?? "failed") as Task["status"],
    ...(fields.statusMessage && { statusMessage: fields.statusMessage }),
    createdAt: fields.createdAt ?? "",
    lastUpdatedAt: fields.lastUpdatedAt ?? "",
    ttl: Number(fields.ttl ?? 0),
    pollInterval: POLL_INTERVAL_MS,
  };
}
