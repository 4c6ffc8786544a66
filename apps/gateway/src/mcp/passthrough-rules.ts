import type { ClientRequestRules } from "@portcullis/policy/client-requests";
import { createOutboundGuard, type OutboundGuard } from "@portcullis/upstream/outbound-guard";

/**
 * URL-mode elicitation sends the user's browser to a URL the upstream chose. Only `https:`
 * ever; plain-http loopback only where the operator's outbound policy itself allows loopback
 * (development, tests), judged by the same guard that protects upstream connections.
 */
export function clientRequestRulesFor(outbound: OutboundGuard | undefined): ClientRequestRules {
  const guard = outbound ?? createOutboundGuard([]);
  let loopbackUrls = true;
  try {
    guard.checkUrl(new URL("http://127.0.0.1/"));
  } catch {
    loopbackUrls = false;
  }
  return { loopbackUrls };
}
