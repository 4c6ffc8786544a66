/**
 * DNS-rebinding guard. A browser tricked into talking to the gateway sends a foreign Host
 * (the attacker's domain resolving to 127.0.0.1) or a foreign Origin; both are refused.
 * Agents are not browsers and send no Origin, which is allowed.
 */
export interface HostOriginPolicy {
  allowedHosts: Set<string>;
  allowedOrigins: Set<string>;
}

export function buildHostOriginPolicy(
  port: number,
  extraHosts: string[],
  origins: string[],
): HostOriginPolicy {
  const hosts = new Set<string>();
  for (const h of ["localhost", "127.0.0.1", "[::1]"]) {
    hosts.add(`${h}:${port}`);
    if (port === 80 || port === 443) hosts.add(h);
  }
  for (const h of extraHosts) hosts.add(h.toLowerCase());
  return {
    allowedHosts: hosts,
    allowedOrigins: new Set(origins.map((o) => o.toLowerCase().replace(/\/$/, ""))),
  };
}

export function checkHostOrigin(
  policy: HostOriginPolicy,
  host: string | undefined,
  origin: string | undefined,
): string | null {
  if (!host || !policy.allowedHosts.has(host.toLowerCase())) {
    return `Host '${host ?? ""}' is not allowed; add it to GATEWAY_ALLOWED_HOSTS`;
  }
  if (origin !== undefined && !policy.allowedOrigins.has(origin.toLowerCase())) {
    return `Origin '${origin}' is not allowed; add it to GATEWAY_ALLOWED_ORIGINS`;
  }
  return null;
}
