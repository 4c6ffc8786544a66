import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import type { FetchLike } from "@modelcontextprotocol/client";
import ipaddr from "ipaddr.js";
import { Agent, fetch as undiciFetch } from "undici";
import { createLeanFetch, createLeanRequest, type LeanResponse } from "./lean-fetch";

/**
 * The SSRF guard for every outbound HTTP request the installation makes on an admin's
 * behalf (upstream MCP servers, team webhooks): a URL an admin typed must not reach the
 * installation's own network (Redis, Postgres, the cloud metadata service) unless the
 * operator allowlisted it.
 *
 * Only globally routable unicast addresses pass. Refused: loopback, private, link-local
 * (169.254.169.254, the metadata service), CGNAT (100.100.100.200, Alibaba's), multicast,
 * unspecified, reserved and documentation ranges, and IPv6 forms that embed an IPv4
 * address (mapped, 6to4, NAT64, Teredo), which are judged by ipaddr.js's range names.
 *
 * The check is made on the address the socket connects to, in the agent's DNS `lookup`,
 * so a name that resolves to a public address when checked and to 127.0.0.1 when used
 * (DNS rebinding) has no window between the two.
 */

/** A request refused by the guard; its message says what to allowlist. */
export class OutboundRefusedError extends Error {
  readonly code = "OUTBOUND_REFUSED";
  constructor(message: string) {
    super(message);
    this.name = "OutboundRefusedError";
  }
}

export interface OutboundGuard {
  /** Throws OutboundRefusedError for a URL whose scheme or literal address is refused. */
  checkUrl(url: URL): void;
  /** Throws OutboundRefusedError when connecting to `address` (resolved for `host`) is refused. */
  checkAddress(host: string, address: string): void;
  /** A dns.lookup that refuses names resolving to a refused address. */
  lookup: LookupFunction;
  /** fetch through the guard; redirects are never followed (a 3xx is an error). */
  fetch: FetchLike;
  /** The same as `fetch` on undici's lighter `request` (lean-fetch.ts), for the MCP hot path. */
  leanFetch: FetchLike;
  /** The same request answered as a LeanResponse (no Response for a JSON answer), for the lean tools/call. */
  leanRequest: (input: string | URL, init?: RequestInit) => Promise<LeanResponse>;
  /**
   * fetch through the guard, following at most `maxHops` redirects, each one checked like
   * the first request (for webhooks, where a redirect is legitimate).
   */
  fetchFollowing(url: string, init: RequestInit, maxHops?: number): Promise<Response>;
  /** The allowlist as given, for logs. */
  readonly allow: readonly string[];
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Builds a guard. `allow` entries are host names (`mcp.internal`, matched case-insensitively,
 * whatever they resolve to), addresses (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`).
 * @throws Error naming the entry that is none of these.
 */
export function createOutboundGuard(allow: readonly string[]): OutboundGuard {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  for (const raw of allow) {
    const entry = raw.trim();
    if (entry === "") continue;
    if (entry.includes("/")) {
      try {
        ranges.push(normalizedCidr(entry));
      } catch {
        throw new Error(`outbound allowlist: '${entry}' is not a valid CIDR range`);
      }
    } else if (ipaddr.isValid(stripBrackets(entry))) {
      const address = ipaddr.process(stripBrackets(entry));
      ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (/^[a-z0-9.-]+$/i.test(entry)) {
      hosts.add(normalHost(entry));
    } else {
      throw new Error(`outbound allowlist: '${entry}' is not a host name, address or CIDR range`);
    }
  }

  const addressAllowed = (address: ipaddr.IPv4 | ipaddr.IPv6): boolean =>
    address.range() === "unicast" ||
    ranges.some(([base, bits]) => address.kind() === base.kind() && address.match(base, bits));

  const checkAddress = (host: string, text: string): void => {
    if (hosts.has(normalHost(host))) return;
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // process(): an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 one.
      address = ipaddr.process(stripBrackets(text));
    } catch {
      throw new OutboundRefusedError(`'${text}' is not an IP address`);
    }
    if (addressAllowed(address)) return;
    const shown = host === text ? text : `${host} (${address.toString()})`;
    throw new OutboundRefusedError(
      `outbound connection to ${shown} refused: ${address.range()} addresses are not reachable ` +
        "unless the operator allowlists them (PORTCULLIS_OUTBOUND_ALLOW)",
    );
  };

  const checkUrl = (url: URL): void => {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new OutboundRefusedError(`unsupported URL scheme '${url.protocol}'`);
    }
    // The URL parser has already turned 2130706433, 0x7f.1 and 017700000001 into 127.0.0.1.
    const host = stripBrackets(url.hostname);
    // A literal address never goes through `lookup`, so it is checked here.
    if (ipaddr.isValid(host)) checkAddress(host, host);
  };

  const lookup = guardedLookup(checkAddress, hosts);
  // One agent per guard: its connections are pooled across requests, each one resolved by `lookup`.
  const agent = new Agent({ connect: { lookup } });

  const send = (url: URL, init: RequestInit | undefined): Promise<Response> => {
    checkUrl(url);
    return undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
      redirect: "manual",
    }) as unknown as Promise<Response>;
  };

  // A redirect could point anywhere, credentials and all: MCP requests never follow one.
  const refuseRedirect = (status: number) =>
    new OutboundRefusedError(
      `the server answered a redirect (HTTP ${status}); redirects are not followed for MCP requests`,
    );
  const guardedFetch: FetchLike = async (input, init) => {
    const url = new URL(String(input));
    const response = await send(url, init);
    if (isRedirect(response.status)) {
      await response.body?.cancel();
      throw refuseRedirect(response.status);
    }
    return response;
  };

  return {
    allow: [...allow],
    checkUrl,
    checkAddress,
    lookup,
    fetch: guardedFetch,
    leanFetch: createLeanFetch(agent, checkUrl, refuseRedirect, guardedFetch),
    leanRequest: createLeanRequest(agent, checkUrl, refuseRedirect, guardedFetch),
    fetchFollowing: async (first, init, maxHops = 3) => {
      let url = new URL(first);
      let request = init;
      for (let hop = 0; ; hop++) {
        const response = await send(url, request);
        const location = response.headers.get("location");
        if (!isRedirect(response.status) || location === null) return response;
        await response.body?.cancel();
        if (hop >= maxHops) throw new OutboundRefusedError(`more than ${maxHops} redirects`);
        url = new URL(location, url);
        // 303 (and, by long practice, 301/302 after a POST) turn into a GET without a body.
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && request.method === "POST")
        ) {
          const { body: _dropped, ...rest } = request;
          request = { ...rest, method: "GET" };
        }
      }
    },
  };
}

/** Whether connecting to `text` (an address in any spelling ipaddr.js reads) would be refused. */
export function isRefusedAddress(guard: OutboundGuard, text: string): boolean {
  try {
    guard.checkAddress(text, text);
    return false;
  } catch (error) {
    if (error instanceof OutboundRefusedError) return true;
    throw error;
  }
}

function guardedLookup(check: (host: string, address: string) => void, hosts: Set<string>): LookupFunction {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === "object" && options !== null ? options : {}) as {
      all?: boolean;
      family?: number;
    };
    const all: LookupAllOptions = { ...(opts as object), all: true };
    dnsLookup(hostname, all, (err, addresses) => {
      if (err) return cb(err, opts.all ? [] : "", undefined);
      try {
        // Every address must pass: the socket may try any of them (happy eyeballs).
        if (!hosts.has(normalHost(hostname))) for (const a of addresses) check(hostname, a.address);
      } catch (refused) {
        return cb(refused as NodeJS.ErrnoException, opts.all ? [] : "", undefined);
      }
      if (opts.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first)
        return cb(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
      cb(null, first.address, first.family);
    });
  }) as LookupFunction;
}

function normalizedCidr(entry: string): Cidr {
  const [address, bits] = ipaddr.parseCIDR(stripBrackets(entry));
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}
