import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchCoalescer } from "./batch-coalescer";

/** A store that records each call's items and can be made to fail for some items. */
function recordingStore(failOn?: (items: number[]) => boolean) {
  const calls: number[][] = [];
  const store = async (items: number[]) => {
    calls.push(items);
    if (failOn?.(items)) throw new Error("store failed");
  };
  return { calls, store };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("BatchCoalescer", () => {
  it("lingers for more submissions, then stores them together in submission order", async () => {
    vi.useFakeTimers();
    const { calls, store } = recordingStore();
    const coalescer = new BatchCoalescer(store, 100, 2, 50);

    const first = coalescer.submit([1, 2]);
    await vi.advanceTimersByTimeAsync(20);
    const second = coalescer.submit([3]);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(30);
    await Promise.all([first, second]);

    expect(calls).toEqual([[1, 2, 3]]);
  });

  it("stores at once when maxItems are waiting, without waiting for the linger", async () => {
    vi.useFakeTimers();
    const { calls, store } = recordingStore();
    const coalescer = new BatchCoalescer(store, 4, 1, 60_000);

    const done = Promise.all([coalescer.submit([1, 2]), coalescer.submit([3, 4]), coalescer.submit([5])]);
    await vi.advanceTimersByTimeAsync(0);

    expect(calls).toEqual([[1, 2, 3, 4]]);
    await vi.advanceTimersByTimeAsync(60_000);
    await done;
    expect(calls).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("stores at once when maxWaiting submissions wait (no more can arrive)", async () => {
    vi.useFakeTimers();
    const { calls, store } = recordingStore();
    const coalescer = new BatchCoalescer(store, 1_000, 1, 60_000, 2);

    const done = Promise.all([coalescer.submit([1]), coalescer.submit([2])]);
    await vi.advanceTimersByTimeAsync(0);
    await done;

    expect(calls).toEqual([[1, 2]]);
  });

  it("retries a failed merged store submission by submission: only the bad one fails", async () => {
    const { calls, store } = recordingStore((items) => items.includes(2));
    const coalescer = new BatchCoalescer(store, 100, 1, 0);

    // Held behind a first store, the next three are merged into one.
    const head = coalescer.submit([0]);
    const results = await Promise.allSettled([
      head,
      coalescer.submit([1]),
      coalescer.submit([2]),
      coalescer.submit([3]),
    ]);

    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(calls).toEqual([[0], [1, 2, 3], [1], [2], [3]]);
  });
});
