import { randomToken } from "@portcullis/contracts/ids";
import type { PassthroughPeers } from "./passthrough-peers";
import type { TaskSideChannel } from "./task-side-channel";

type Message = Record<string, unknown>;

/** A client's tasks/result stream on this process (what `GatewayTasks.result` was given). */
interface Stream {
  transport: { send(message: never, options: { relatedRequestId: string | number }): Promise<void> };
  relatedRequestId: string | number;
}

/**
 * A 2025-11-25 task's side channel across replicas: a tasks/result served by a process that
 * does not run the call asks the process that does (named in the task's record) to deliver
 * what the upstream asks the client on this stream, through the passthrough peers. The
 * client's answers need nothing here: they are POSTs whose request ids name the process
 * that minted them (passthrough-peers.ts routes them there).
 *
 *   listener side: listen(owner, taskId, stream) -> "task-listen" to the owner, then each
 *                  "task-message" goes out on the stream; the returned detach says "task-unlisten"
 *   owner side:    "task-listen" attaches a listener to the task's side channel whose sends
 *                  become "task-message"s (a gone listener makes the side hold them again)
 */
export class TaskRemoteListeners {
  /** Streams on this process waiting for another process's task, by listen id. */
  private readonly streams = new Map<string, Stream>();
  /** Listeners attached here for other processes, by listen id: their detach. */
  private readonly attached = new Map<string, () => void>();

  constructor(
    private readonly peers: PassthroughPeers,
    private readonly sideOf: (taskId: string) => TaskSideChannel | undefined,
  ) {
    peers.on("task-listen", (m) => this.attach(String(m.from), String(m.taskId), String(m.listenId)));
    peers.on("task-unlisten", (m) => {
      this.attached.get(String(m.listenId))?.();
      this.attached.delete(String(m.listenId));
    });
    peers.on("task-message", (m) => {
      const stream = this.streams.get(String(m.listenId));
      void stream?.transport
        .send(m.message as never, { relatedRequestId: stream.relatedRequestId })
        .catch(() => undefined);
    });
  }

  get processId(): string {
    return this.peers.id;
  }

  /** Delivers, on `stream`, what task `taskId` (run by process `owner`) asks its client. Returns the detach. */
  async listen(owner: string, taskId: string, stream: Stream): Promise<() => void> {
    const listenId = randomToken(12);
    this.streams.set(listenId, stream);
    const reached = await this.peers.send(owner, "task-listen", { taskId, listenId }).catch(() => false);
    return () => {
      this.streams.delete(listenId);
      if (reached) void this.peers.send(owner, "task-unlisten", { listenId }).catch(() => undefined);
    };
  }

  private attach(from: string, taskId: string, listenId: string): void {
    const side = this.sideOf(taskId);
    if (!side) return;
    const transport = {
      send: async (message: Message) => {
        // Not heard (that process is gone): the side holds the message for the next tasks/result.
        if (!(await this.peers.send(from, "task-message", { listenId, message })))
          throw new Error(`the gateway process serving tasks/result of '${taskId}' is gone`);
      },
    };
    this.attached.set(listenId, side.listen({ transport: transport as never, relatedRequestId: listenId }));
  }
}
