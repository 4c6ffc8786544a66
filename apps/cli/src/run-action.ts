import { isAppError } from "@portcullis/contracts/errors";
import { CliDeps } from "./deps";
import { type CliEnv, loadEnv } from "./env";

export interface CommandContext {
  env: CliEnv;
  deps: CliDeps;
}

let debug = false;

/**
 * Wraps a command body: loads the environment, hands out lazily created clients, closes
 * them afterwards, and turns any failure into `error: [CODE] message` on stderr with exit
 * code 1 (the stack only with DEBUG set).
 */
export function action<A extends unknown[]>(body: (ctx: CommandContext, ...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    let deps: CliDeps | undefined;
    try {
      const env = loadEnv();
      debug = env.debug;
      deps = new CliDeps(env);
      await body({ env, deps }, ...args);
    } catch (error) {
      reportError(error);
      process.exitCode = 1;
    } finally {
      await deps?.close();
    }
  };
}

export function reportError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${isAppError(error) ? `[${error.code}] ` : ""}${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}
