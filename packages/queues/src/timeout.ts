/** Raised when an operation did not settle in time (the operation itself may still settle later). */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Rejects with TimeoutError if `promise` has not settled after `ms`; never leaves a timer behind. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // The loser of the race may still reject later: swallow that so it is not "unhandled".
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
