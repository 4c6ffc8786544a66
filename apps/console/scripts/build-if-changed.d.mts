/** A hash of everything a console build reads. */
export function consoleSourceHash(): string;

/** Runs `next build` when the console's sources changed since the last build; resolves to whether it built. */
export function buildConsoleIfChanged(options?: {
  force?: boolean;
  log?: (message: string) => void;
}): Promise<boolean>;
