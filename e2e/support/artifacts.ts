import { fileURLToPath } from "node:url";

/**
 * Where a run keeps its screenshots, logs and failure traces: e2e/artifacts (gitignored),
 * or E2E_ARTIFACTS_DIR so two runs on one machine do not overwrite each other.
 */
export function artifactsDir(): string {
  return process.env.E2E_ARTIFACTS_DIR ?? fileURLToPath(new URL("../artifacts", import.meta.url));
}
