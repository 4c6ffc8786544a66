/** Where these builds go, relative to apps/console; pass it to `next start` as CONSOLE_DIST_DIR. */
export const CONSOLE_DIST_DIR: string;

/** A hash of everything a console build reads. */
export function consoleSourceHash(): string;

/** Runs `next build` when the console's sources changed since the last build; resolves to whether it built. */
export function buildConsoleIfChanged(options?: {
  force?: boolean;
  log?: (message: string) => void;
}): Promise<boolean>;
