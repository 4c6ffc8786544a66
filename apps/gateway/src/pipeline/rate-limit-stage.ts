import type { StageInput } from "./stage-input";

/**
 * Rate limits and quotas (issue 5): throws AppError RATE_LIMITED naming the limit and when
 * to retry. Counters live in Redis so limits hold across gateway replicas.
 */
export interface RateLimitStage {
  enforce(input: StageInput): Promise<void>;
  close(): Promise<void>;
}

/** No limits configured: every call passes. */
export const noRateLimits: RateLimitStage = {
  async enforce() {},
  async close() {},
};
