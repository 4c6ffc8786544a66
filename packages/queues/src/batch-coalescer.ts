/**
 * Group commit for audit batches. Jobs arrive with a few dozen events each (a gateway
 * flushes every 20 ms), and every store costs a Postgres transaction whatever its size
 * (on a busy 2-core machine about as much CPU as 20 events' rows), so submissions are
 * merged into one store of up to `maxItems` events, `parallel` stores at a time. A store
 * starts once `maxItems` events wait, or `maxWaiting` submissions (no more can come: the
 * queue consumer has no free slot), or the oldest has waited `lingerMs`: at a steady
 * trickle that gathers a few jobs per transaction instead of one, for a few milliseconds
 * of audit latency; under a backlog stores fill at once. A merged store that fails is
 * retried job by job, so one bad job cannot fail its neighbours.
 */
export class BatchCoalescer<T> {
  private readonly pending: Array<{
    items: T[];
    since: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];
  private pendingItems = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly parallel: number,
    private readonly lingerMs = 0,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  /** Resolves once `items` are stored (in one store with other submissions, or alone). */
  submit(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ items, since: performance.now(), resolve, reject });
      this.pendingItems += items.length;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.parallel && this.pending.length > 0) {
      const waited = performance.now() - this.pending[0]!.since;
      const full = this.pendingItems >= this.maxItems || this.pending.length >= this.maxWaiting;
      if (!full && waited < this.lingerMs) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.lingerMs - waited);
        return;
      }
      // FIFO, and never more than maxItems unless one submission alone is larger.
      const group = [this.pending.shift()!];
      let size = group[0]!.items.length;
      while (this.pending.length > 0 && size + this.pending[0]!.items.length <= this.maxItems) {
        const next = this.pending.shift()!;
        size += next.items.length;
        group.push(next);
      }
      this.pendingItems -= size;
      this.running += 1;
      void this.run(group).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async run(group: typeof this.pending): Promise<void> {
    try {
      await this.store(group.flatMap((entry) => entry.items));
      for (const entry of group) entry.resolve();
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
    }
    for (const entry of group) {
      try {
        await this.store(entry.items);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }
}
