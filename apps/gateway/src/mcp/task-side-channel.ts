import { RELATED_TASK_META_KEY, type Transport } from "@modelcontextprotocol/server";
import type { CallChannel } from "@portcullis/upstream/call-channel";
import type { StageInput } from "../pipeline/stage-input";
import { TaskInputRequests } from "./task-input-requests";

type Message = Parameters<Transport["send"]>[0];

/** A client's `tasks/result` request, waiting on its response stream. */
interface Listener {
  transport: Transport;
  relatedRequestId: string | number;
}

/**
 * How a gateway task reaches its client while its call runs (2025-11-25 "input_required"):
 * the upstream's elicitation and sampling requests, and its log messages, go out on the
 * response stream of the client's `tasks/result` request, tagged with the task
 * (related-task `_meta`), as that revision defines. The task-augmented tools/call has
 * already been answered, so there is no stream of the call's own to use; a request made
 * while no tasks/result is waiting is held until one comes (the client learns it should come
 * from the task's `input_required` status).
 *
 * The relay (passthrough-client-requests.ts) sends through `transport`, a stand-in for the
 * stream of whichever tasks/result waits; its answer comes back, as any 2025 client's answer
 * does, on a POST of its own. Held in the process running the call: a tasks/result served by
 * another replica listens through task-remote-listeners.ts (the 2026-07-28 form's questions,
 * in `inputs`, are mirrored in Redis and answered from any replica).
 */
export class TaskSideChannel {
  private listener: Listener | null = null;
  private readonly held: Message[] = [];
  private asking = 0;
  /** The same questions in the 2026-07-28 tasks extension's form (tasks/get, tasks/update). */
  readonly inputs: TaskInputRequests;

  constructor(
    private readonly taskId: string,
    /** The task's status while the client is asked something (and back when it has answered). */
    private readonly setInputRequired: (inputRequired: boolean) => Promise<void>,
    /** Told the open questions whenever they change (the task's record mirrors them). */
    onInputsChange?: (current: Record<string, unknown> | undefined) => void,
  ) {
    this.inputs = new TaskInputRequests(onInputsChange);
  }

  /** The per-request transport the relay sends on. */
  readonly transport = {
    send: (message: Message) => this.send(this.tagged(message)),
  } as unknown as Transport;

  /** Log messages of the call: delivered while a tasks/result listens, else dropped (as notifications may be). */
  notify = async (notification: { method: string; params: Record<string, unknown> }): Promise<void> => {
    const listener = this.listener;
    if (!listener) return;
    await listener.transport.send(this.tagged({ jsonrpc: "2.0", ...notification } as Message), {
      relatedRequestId: listener.relatedRequestId,
    });
  };

  /** Wraps the call's channel so that the task reads `input_required` while a request is unanswered. */
  governed(channelFor: (stage: StageInput) => CallChannel): (stage: StageInput) => CallChannel {
    return (stage) => {
      const channel = channelFor(stage);
      const onRequest = channel.onRequest;
      if (!onRequest) return channel;
      return {
        ...channel,
        onRequest: async (method, params) => {
          if (this.asking++ === 0) await this.setInputRequired(true).catch(() => undefined);
          try {
            return await onRequest.call(channel, method, params);
          } finally {
            if (--this.asking === 0) await this.setInputRequired(false).catch(() => undefined);
          }
        },
      };
    };
  }

  /** A tasks/result of this task waits on `listener`: held requests go out on it now. Returns the detach. */
  listen(listener: Listener): () => void {
    this.listener = listener;
    for (const message of this.held.splice(0)) void this.send(message);
    return () => {
      if (this.listener === listener) this.listener = null;
    };
  }

  private async send(message: Message): Promise<void> {
    const listener = this.listener;
    if (!listener) {
      this.held.push(message);
      return;
    }
    try {
      await listener.transport.send(message, { relatedRequestId: listener.relatedRequestId });
    } catch {
      // That client stream closed: the next tasks/result delivers it.
      if (this.listener === listener) this.listener = null;
      this.held.push(message);
    }
  }

  private tagged(message: Message): Message {
    const m = message as { params?: Record<string, unknown> };
    const params = m.params ?? {};
    const meta = (params._meta as Record<string, unknown> | undefined) ?? {};
    return {
      ...message,
      params: { ...params, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: this.taskId } } },
    } as Message;
  }
}
