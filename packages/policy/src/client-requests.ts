import type { SnapshotServer } from "@portcullis/contracts/snapshot";

/** The requests an upstream may send the agent's client during a call. */
export type ClientRequestKind = "elicitation/create" | "sampling/createMessage" | "roots/list";

export type ClientRequestDecision = { effect: "allow" } | { effect: "deny"; reason: string };

export interface ClientRequestRules {
  /**
   * Whether a URL-mode elicitation may send the user to an `http:` loopback address (the
   * operator's outbound policy allows loopback: development and tests). `https:` always may.
   */
  loopbackUrls: boolean;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether the gateway relays an upstream's request to the agent's client (issue 9 point 3).
 * Elicitation is a server setting, allowed unless turned off; sampling spends the client's
 * model and is refused unless the server is allowed it; roots (the client's own workspace
 * list) follow the client's answer. A URL-mode elicitation only ever opens `https:` URLs, or
 * loopback ones where the operator allows loopback.
 */
export function decideClientRequest(
  server: Pick<SnapshotServer, "name" | "allowElicitation" | "allowSampling">,
  method: ClientRequestKind,
  params: Record<string, unknown>,
  rules: ClientRequestRules,
): ClientRequestDecision {
  if (method === "sampling/createMessage") {
    return server.allowSampling
      ? { effect: "allow" }
      : {
          effect: "deny",
          reason: `server '${server.name}' is not allowed to sample the client's model (allowSampling is off)`,
        };
  }
  if (method !== "elicitation/create") return { effect: "allow" };
  if (!server.allowElicitation)
    return {
      effect: "deny",
      reason: `server '${server.name}' is not allowed to ask the user for input (allowElicitation is off)`,
    };
  if (params.mode !== "url") return { effect: "allow" };
  let url: URL;
  try {
    url = new URL(String(params.url));
  } catch {
    return { effect: "deny", reason: "the elicitation URL is not a valid URL" };
  }
  if (url.protocol === "https:") return { effect: "allow" };
  if (url.protocol === "http:" && rules.loopbackUrls && LOOPBACK_HOSTS.has(url.hostname))
    return { effect: "allow" };
  return {
    effect: "deny",
    reason: `URL-mode elicitation only opens https URLs, not '${url.protocol}//${url.host}'`,
  };
}
