import { type FoldResult, foldAuditRollups } from "@portcullis/control/audit/rollups/fold-audit-rollups";
import type { Db } from "@portcullis/db/client";
import type { Logger } from "pino";

export interface AuditRollupLoopOptions {
  db: Db;
  /** Pause between folds (AUDIT_ROLLUP_EVERY_MS). */
  everyMs: number;
  logger: Logger;
  /** Called after each fold (tests wait on it). */
  onFold?: (result: FoldResult) => void;
}

export interface AuditRollupLoop {
  ready(): Promise<void>;
  /** Stops after the fold in progress, if any, has committed. */
  close(): Promise<void>;
}

/**
 * Keeps the dashboard's rollups caught up: folds the events past each organization's
 * watermark, waits `everyMs`, again. A plain timer rather than a queue job: every worker
 * may run it (the fold locks per organization and moves the watermark in the same
 * transaction), and after a restart the first fold picks up where the watermark stands.
 */
export function startAuditRollupLoop(options: AuditRollupLoopOptions): AuditRollupLoop {
  const logger = options.logger.child({ processor: "audit-rollups" });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const fold = async () => {
    try {
      const result = await foldAuditRollups(options.db);
      if (result.events > 0) logger.debug(result, "audit rollups folded");
      options.onFold?.(result);
    } catch (error) {
      // The watermark did not move: the next fold retries the same events.
      logger.warn({ err: error }, "audit rollup fold failed");
    }
  };
  const tick = () => {
    running = fold().finally(() => {
      if (!stopped) timer = setTimeout(tick, options.everyMs);
    });
  };
  tick();

  return {
    ready: async () => {},
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
