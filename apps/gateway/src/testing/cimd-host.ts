import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOutboundGuard, type OutboundGuard } from "@portcullis/upstream/outbound-guard";
import { Agent, fetch as undiciFetch } from "undici";

export interface CimdHost {
  /** The document's URL: the client's `client_id`. */
  url: string;
  /** The host's self-signed certificate, for `guardTrusting`. */
  cert: Buffer;
  close(): Promise<void>;
}

/**
 * A Client ID Metadata Document on https (CIMD client ids must be https URLs), with a
 * certificate made for this run: a public client with the given name and redirect URIs.
 */
export async function startCimdHost(input: {
  clientName: string;
  redirectUris: string[];
}): Promise<CimdHost> {
  const dir = await mkdtemp(join(tmpdir(), "pc-oauth-tls-"));
  let key: Buffer;
  let cert: Buffer;
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    [key, cert] = await Promise.all([readFile(join(dir, "key.pem")), readFile(join(dir, "cert.pem"))]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  let url = "";
  const server = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        client_id: url,
        client_name: input.clientName,
        redirect_uris: input.redirectUris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/client.json`;
  return {
    url,
    cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The AS's SSRF guard for tests: loopback allowed, the CIMD host's certificate trusted, every address still checked. */
export function guardTrusting(ca: Buffer): OutboundGuard {
  const guard = createOutboundGuard(["127.0.0.1"]);
  const agent = new Agent({ connect: { lookup: guard.lookup, ca } });
  return {
    ...guard,
    fetch: (async (url: string | URL, init?: RequestInit) => {
      guard.checkUrl(new URL(url));
      return undiciFetch(url, { ...(init as object), dispatcher: agent, redirect: "manual" });
    }) as OutboundGuard["fetch"],
  };
}
