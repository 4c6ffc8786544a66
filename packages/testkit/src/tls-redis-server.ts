import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "node:tls";
import { freePort } from "./ports";

export interface TlsRedisServer {
  /** `rediss://<user>:<password>@127.0.0.1:<port>` */
  url: string;
  port: number;
  user: string;
  password: string;
  /** PEM of the self-signed certificate the server presents (pass as REDIS_TLS_CA_FILE). */
  caFile: string;
  close(): Promise<void>;
}

/**
 * A private `redis-server` that speaks TLS only (no plain port) and admits one ACL user
 * (the `default` user is off), with a throwaway self-signed certificate for 127.0.0.1
 * made by `openssl`. For tests that prove a process connects the way production does.
 */
export async function startTlsRedisServer(
  options: { user?: string; password?: string } = {},
): Promise<TlsRedisServer> {
  const user = options.user ?? "portcullis";
  const password = options.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  const dir = mkdtempSync(join(tmpdir(), "pc-redis-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      ...["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1"],
      ...["--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", certFile],
      ...["--tls-auth-clients", "no", "--save", "", "--appendonly", "no"],
      ...["--user", "default", "off"],
      ...["--user", user, "on", `>${password}`, "~*", "&*", "+@all"],
    ],
    { stdio: "ignore" },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const deadline = Date.now() + 5_000;
  while (!(await tlsAnswers(port, certFile))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server with TLS on port ${port} did not start`);
    }
    await sleep(50);
  }
  return {
    url: `rediss://${user}:${password}@127.0.0.1:${port}`,
    port,
    user,
    password,
    caFile: certFile,
    async close() {
      process.off("exit", killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a TLS handshake with the server (trusting its certificate) succeeds. */
function tlsAnswers(port: number, caFile: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(caFile) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}
