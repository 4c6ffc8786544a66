import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type FixtureServer, startModernHttpServer } from "@portcullis/testkit/fixture-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard, isRefusedAddress, OutboundRefusedError } from "./outbound-guard";
import { UpstreamPool } from "./pool";
import type { UpstreamSpec } from "./types";

const closed: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closed) await close();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  closed.push(() => new Promise((done) => server.close(() => done())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("address ranges", () => {
  const guard = createOutboundGuard([]);

  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local: the cloud metadata service"],
    ["100.100.100.200", "CGNAT: Alibaba's metadata service"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["::1", "IPv6 loopback"],
    ["::", "IPv6 unspecified"],
    ["fe80::1", "IPv6 link-local"],
    ["fd00:ec2::254", "IPv6 unique local: AWS's metadata service"],
    ["ff02::1", "IPv6 multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped metadata, in hex"],
    ["64:ff9b::a9fe:a9fe", "NAT64 of the metadata address"],
    ["2002:7f00:1::", "6to4 of loopback"],
    ["2130706433", "loopback as one decimal number"],
    ["0x7f000001", "loopback in hex"],
    ["0177.0.0.1", "loopback in octal"],
    ["0xa9.0xfe.0xa9.0xfe", "metadata in dotted hex"],
  ])("refuses %s (%s)", (address) => {
    expect(isRefusedAddress(guard, address)).toBe(true);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])("lets public %s through", (address) => {
    expect(isRefusedAddress(guard, address)).toBe(false);
  });

  it("refuses odd spellings of private addresses in URLs, as the URL parser reads them", () => {
    for (const url of [
      "http://2130706433/",
      "http://0x7f.1/",
      "http://017700000001/",
      "http://[::ffff:7f00:1]/",
      "http://[0:0:0:0:0:ffff:169.254.169.254]/",
    ]) {
      expect(() => guard.checkUrl(new URL(url)), url).toThrow(OutboundRefusedError);
    }
    expect(() => guard.checkUrl(new URL("file:///etc/passwd"))).toThrow("unsupported URL scheme 'file:'");
  });

  it("lets allowlisted addresses, CIDR ranges and host names through, and only those", () => {
    const allowing = createOutboundGuard(["127.0.0.1", "10.20.0.0/16", "fd12::/16", "mcp.internal"]);
    expect(isRefusedAddress(allowing, "127.0.0.1")).toBe(false);
    expect(isRefusedAddress(allowing, "::ffff:127.0.0.1")).toBe(false);
    expect(isRefusedAddress(allowing, "127.0.0.2")).toBe(true);
    expect(isRefusedAddress(allowing, "10.20.5.6")).toBe(false);
    expect(isRefusedAddress(allowing, "10.21.0.1")).toBe(true);
    expect(isRefusedAddress(allowing, "fd12::1")).toBe(false);
    expect(() => allowing.checkAddress("MCP.internal.", "10.9.9.9")).not.toThrow();
    expect(() => allowing.checkAddress("other.internal", "10.9.9.9")).toThrow(OutboundRefusedError);
  });

  it("rejects a malformed allowlist entry by name", () => {
    expect(() => createOutboundGuard(["10.0.0.0/99"])).toThrow("'10.0.0.0/99' is not a valid CIDR range");
    expect(() => createOutboundGuard(["mcp server"])).toThrow("'mcp server' is not a host name");
  });
});

describe("the upstream pool behind the guard", () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startModernHttpServer();
    closed.push(() => fixture.close());
  });

  const spec = (id: string, url: string): UpstreamSpec => ({
    id,
    name: id,
    transport: "streamable-http",
    url,
    headers: { Authorization: "Bearer upstream-secret" },
    timeoutMs: 5_000,
  });

  it("refuses an upstream on loopback unless the operator allowlists it", async () => {
    const pool = new UpstreamPool();
    closed.push(() => pool.close());
    const error = await pool.listTools(spec("internal", fixture.url)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^upstream 'internal' is unreachable: outbound connection to 127\.0\.0\.1 refused: loopback addresses/,
    );
    expect(fixture.calls).toBe(0);

    const allowed = new UpstreamPool({ outbound: createOutboundGuard(["127.0.0.1"]) });
    closed.push(() => allowed.close());
    expect((await allowed.listTools(spec("internal", fixture.url))).length).toBeGreaterThan(0);
  });

  it("checks the address a host name resolves to, at connect time (no rebinding window)", async () => {
    const pool = new UpstreamPool();
    closed.push(() => pool.close());
    const url = fixture.url.replace("127.0.0.1", "localhost");
    const error = await pool.listTools(spec("by-name", url)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /outbound connection to localhost \((127\.0\.0\.1|::1)\) refused/,
    );
  });

  it("never follows a redirect of an MCP request, so the bearer stays with the configured host", async () => {
    const seen: string[] = [];
    const elsewhere = await listen((req, res) => {
      seen.push(String(req.headers.authorization));
      res.end("{}");
    });
    const redirecting = await listen((_req, res) => {
      res.writeHead(307, { location: `${elsewhere}/mcp` }).end();
    });
    const pool = new UpstreamPool({ outbound: createOutboundGuard(["127.0.0.1"]) });
    closed.push(() => pool.close());
    const error = await pool.listTools(spec("redirecting", `${redirecting}/mcp`)).catch((e: Error) => e);
    expect((error as Error).message).toContain("redirects are not followed for MCP requests");
    expect(seen).toEqual([]);
  });
});

describe("fetchFollowing (webhooks)", () => {
  it("re-checks every hop of a redirect", async () => {
    const guard = createOutboundGuard(["127.0.0.1"]);
    const target = await listen((req, res) => res.end(`reached with ${req.method}`));
    const toAllowed = await listen((_req, res) => res.writeHead(303, { location: target }).end());
    const response = await guard.fetchFollowing(toAllowed, { method: "POST", body: "{}" });
    expect(await response.text()).toBe("reached with GET");

    const toMetadata = await listen((_req, res) =>
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
    );
    await expect(guard.fetchFollowing(toMetadata, { method: "POST", body: "{}" })).rejects.toThrow(
      "outbound connection to 169.254.169.254 refused: linkLocal addresses",
    );
  });
});
