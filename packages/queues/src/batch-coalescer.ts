/**
 * Group commit for audit batches. Jobs arrive with a few dozen events each (a gateway
 * flushes every 20 ms), and every store costs a transaction with a handful of round trips
 * and the chain lock whatever its size; so the jobs in progress at once are merged into
 * one store of up to `maxItems` events, `parallel` stores at a time. A merged store that
 * fails is retried job by job, so one bad job cannot fail its neighbours.
 */
export class BatchCoalescer<T> {
  private readonly pending: Array<{ items: T[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  private running = 0;

  constructor(
    private readonly store: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly parallel: number,
  ) {}

  /** Resolves once `items` are stored (in one store with other submissions, or alone). */
  submit(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.parallel && this.pending.length > 0) {
      // FIFO, and never more than maxItems unless one submission alone is larger.
      const group = [this.pending.shift()!];
      let size = group[0]!.items.length;
      while (this.pending.length > 0 && size + this.pending[0]!.items.length <= this.maxItems) {
        const next = this.pending.shift()!;
        size += next.items.length;
        group.push(next);
      }
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
