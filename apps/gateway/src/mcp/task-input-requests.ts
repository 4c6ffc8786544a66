import { ChannelRefusal, REFUSED } from "@portcullis/upstream/call-channel";

interface Pending {
  method: string;
  params: Record<string, unknown>;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * What an upstream asks the client during a task of the 2026-07-28 tasks extension: the task
 * reads `input_required`, tasks/get shows the open questions as `inputRequests` (keyed by ids
 * minted here), and tasks/update hands over the answers, any subset at a time (answered keys
 * leave the map; the rest stay open). Held in the process running the call.
 */
export class TaskInputRequests {
  private next = 1;
  private readonly pending = new Map<string, Pending>();

  /** `onChange`: told the open questions (undefined: none) whenever they change. */
  constructor(private readonly onChange: (current: Record<string, unknown> | undefined) => void = () => {}) {}

  /** The channel's side (callChannelFor asks here, as it asks a 2026-07-28 call's conversation). */
  ask(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.pending.set(`input-${this.next++}`, { method, params, resolve, reject });
      this.onChange(this.current());
    });
  }

  /** The open questions, as tasks/get shows them; undefined when there are none. */
  current(): Record<string, unknown> | undefined {
    if (this.pending.size === 0) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, p] of this.pending) out[key] = { method: p.method, params: p.params };
    return out;
  }

  /** tasks/update: answers the open questions it names; other keys name nothing and are ignored. */
  answer(responses: unknown): void {
    if (typeof responses !== "object" || responses === null) return;
    let answered = false;
    for (const [key, response] of Object.entries(responses)) {
      const p = this.pending.get(key);
      if (!p || typeof response !== "object" || response === null) continue;
      this.pending.delete(key);
      answered = true;
      p.resolve(response as Record<string, unknown>);
    }
    if (answered) this.onChange(this.current());
  }

  /** Refuses every open question (the task ended or was cancelled). */
  abandon(reason: string): void {
    if (this.pending.size === 0) return;
    for (const p of this.pending.values()) p.reject(new ChannelRefusal(REFUSED, reason));
    this.pending.clear();
    this.onChange(undefined);
  }
}
