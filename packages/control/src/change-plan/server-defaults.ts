/** Matches the column default, so a file that omits `timeoutMs` agrees with a fresh row. */
export const DEFAULT_TIMEOUT_MS = 30_000;
