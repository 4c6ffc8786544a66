import type { ReadResourceResult } from "@portcullis/upstream/types";
import type { CallContext } from "../pipeline/request-context";
import { ITEM_SCAN_SKIP, itemStageInput } from "./item-access";
import { type CatalogDeps, upstreamReadError } from "./resources-and-prompts";

/**
 * MCP Apps: a `ui://` resource that a tool the agent may call names as its interface is
 * readable by that agent, from that tool's server, without a resource grant — the tool
 * grant is the permission (a client cannot show a granted tool's interface otherwise).
 * Rate limits and DLP apply as to any read. Null when no granted tool names the URI: the
 * read is then decided by resource grants like any other.
 */
export async function readAppResource(
  deps: CatalogDeps,
  ctx: CallContext,
  uri: string,
): Promise<ReadResourceResult | null> {
  if (!uri.startsWith("ui://")) return null;
  const owner = ctx.snapshot.viewOf(ctx.identity).tools.find((t) => t.tool.uiResourceUri === uri);
  if (!owner) return null;
  const { server } = owner;
  ctx.audit.toolName = uri;
  ctx.audit.serverId = server.id;
  ctx.audit.serverName = server.name;
  const stage = itemStageInput(ctx, server, "resource", uri);
  await deps.stages.rateLimit.enforce(stage);
  let result: ReadResourceResult;
  try {
    result = await deps.pool.readResource(ctx.snapshot.upstreamSpec(server), uri);
  } catch (err) {
    throw upstreamReadError(uri, deps.stages.dlp.screenUpstreamError(stage, err));
  }
  return deps.stages.dlp.scanValue(stage, "result", result, `resource '${uri}'`, ITEM_SCAN_SKIP);
}
