import { AppError } from "@portcullis/contracts/errors";
import { type SnapshotServer, TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import { decideItemAccess, type ItemDecision } from "@portcullis/policy/resource-grants";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type {
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from "@portcullis/upstream/types";
import type { Logger } from "pino";
import type { CallToolStages } from "../pipeline/call-tool";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { isUpstreamResourceNotFound, UnknownResourceError } from "../pipeline/wire-errors";
import { ITEM_SCAN_SKIP, itemStageInput, itemViewsFor } from "./item-access";

export interface CatalogDeps {
  pool: UpstreamPool;
  logger: Logger;
  /** Rate limits and DLP apply to resources/read and prompts/get as to tools/call. */
  stages: Pick<CallToolStages, "rateLimit" | "dlp">;
  /** `${orgId} ${uri}` → server id, learned from resources/list, so reads go to the right upstream. */
  resourceOwners: Map<string, string>;
}

/** Runs `fn` on every granted server; a failing upstream is logged and left out, never fatal. */
async function fanOut<T>(
  deps: CatalogDeps,
  servers: SnapshotServer[],
  what: string,
  fn: (server: SnapshotServer) => Promise<T[]>,
): Promise<Array<{ server: SnapshotServer; items: T[] }>> {
  const settled = await Promise.allSettled(
    servers.map(async (server) => ({ server, items: await fn(server) })),
  );
  const out: Array<{ server: SnapshotServer; items: T[] }> = [];
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") out.push(r.value);
    else
      deps.logger.warn(
        { server: servers[i]?.name, err: String(r.reason) },
        `${what} failed on an upstream; omitted`,
      );
  });
  return out;
}

/** Resources of servers the agent holds a resource grant on, each listed only if its URI is granted. */
export async function listResources(deps: CatalogDeps, ctx: CallContext): Promise<Resource[]> {
  const { snapshot, identity } = ctx;
  const grants = itemViewsFor(snapshot, identity, ctx.portal).resources;
  const results = await fanOut(deps, grants.servers, "resources/list", (s) =>
    deps.pool.listResources(snapshot.upstreamSpec(s)),
  );
  const out: Resource[] = [];
  for (const { server, items } of results) {
    for (const r of items) {
      if (decideItemAccess(grants, server, r.uri).effect !== "allow") continue;
      deps.resourceOwners.set(`${policySubject(identity).orgId} ${r.uri}`, server.id);
      out.push(r);
    }
  }
  if (deps.resourceOwners.size > 100_000) deps.resourceOwners.clear();
  return out;
}

/**
 * Templates of servers the agent holds a resource grant on. A template names no URI, so
 * it is not filtered: the concrete URI is decided when it is read.
 */
export async function listResourceTemplates(
  deps: CatalogDeps,
  ctx: CallContext,
): Promise<ResourceTemplate[]> {
  const { snapshot, identity } = ctx;
  const servers = itemViewsFor(snapshot, identity, ctx.portal).resources.servers;
  const results = await fanOut(deps, servers, "resources/templates/list", (s) =>
    deps.pool.listResourceTemplates(snapshot.upstreamSpec(s)),
  );
  return results.flatMap((r) => r.items);
}

/** The reason to give when no server may serve an item: an explicit deny's, else default deny's. */
function refusal(decisions: ItemDecision[]): string {
  const denied = decisions.filter((d): d is Extract<ItemDecision, { effect: "deny" }> => d.effect === "deny");
  return (denied.find((d) => d.grantId !== null) ?? denied[0])!.reason;
}

/**
 * resources/read: decided on the URI before any upstream is asked (a denied URI never
 * leaves the gateway), then rate limits, DLP on the URI, the read, DLP on the contents.
 * Servers the agent holds no resource grant on are indistinguishable from absent ones.
 */
export async function readResource(
  deps: CatalogDeps,
  ctx: CallContext,
  uri: string,
): Promise<ReadResourceResult> {
  const { snapshot, identity } = ctx;
  const grants = itemViewsFor(snapshot, identity, ctx.portal).resources;
  ctx.audit.toolName = uri;
  const ownerKey = `${policySubject(identity).orgId} ${uri}`;
  if (!deps.resourceOwners.has(ownerKey)) await listResources(deps, ctx);
  // The owner map is per organization: the server that listed the URI may be one this agent
  // holds no grant on (two servers can serve the same URI), and then its own servers are tried.
  const known = deps.resourceOwners.get(ownerKey);
  const ownerId = known && grants.servers.some((s) => s.id === known) ? known : undefined;
  // Unlisted URIs (resource templates) are tried on each granted server in turn.
  const candidates = ownerId ? grants.servers.filter((s) => s.id === ownerId) : grants.servers;
  if (candidates.length === 0) throw new UnknownResourceError(uri, `unknown resource '${uri}'`);
  const decisions = candidates.map((server) => ({ server, decision: decideItemAccess(grants, server, uri) }));
  const allowed = decisions.filter((d) => d.decision.effect === "allow").map((d) => d.server);
  if (allowed.length === 0) {
    throw new AppError("FORBIDDEN", `read of '${uri}' denied: ${refusal(decisions.map((d) => d.decision))}`);
  }
  let lastError: unknown = null;
  let sentUri = uri;
  for (const server of allowed) {
    ctx.audit.serverId = server.id;
    ctx.audit.serverName = server.name;
    const stage = itemStageInput(ctx, server, "resource", uri);
    await deps.stages.rateLimit.enforce(stage);
    const params = deps.stages.dlp.scanValue(stage, "arguments", { uri }, `read of '${uri}'`);
    ctx.audit.arguments ??= params;
    sentUri = params.uri;
    let result: ReadResourceResult;
    try {
      result = await deps.pool.readResource(snapshot.upstreamSpec(server), params.uri);
    } catch (err) {
      lastError = deps.stages.dlp.screenUpstreamError(stage, err);
      continue;
    }
    return deps.stages.dlp.scanValue(stage, "result", result, `resource '${uri}'`, ITEM_SCAN_SKIP);
  }
  // One server to ask: its error says more than ours. Ours names the URI as DLP let it out
  // (the error's data echoes the client's own URI, as the revisions require).
  if ((ownerId || allowed.length === 1) && lastError) throw upstreamReadError(uri, lastError);
  throw new UnknownResourceError(uri, `unknown resource '${sentUri}'`);
}

/**
 * A failed upstream read as the client sees it: an upstream's "no such resource", in
 * whichever revision's form it sent it, becomes the gateway's resource-not-found error for
 * the client's revision; any other error passes as it is.
 */
export function upstreamReadError(uri: string, err: unknown): unknown {
  if (!isUpstreamResourceNotFound(err)) return err;
  return new UnknownResourceError(uri, `upstream '${err.serverName}' returned an error: ${err.message}`, err);
}

/** Prompts of servers the agent holds a prompt grant on, each listed only if its name is granted. */
export async function listPrompts(deps: CatalogDeps, ctx: CallContext): Promise<Prompt[]> {
  const { snapshot, identity } = ctx;
  const grants = itemViewsFor(snapshot, identity, ctx.portal).prompts;
  const results = await fanOut(deps, grants.servers, "prompts/list", (s) =>
    deps.pool.listPrompts(snapshot.upstreamSpec(s)),
  );
  return results.flatMap(({ server, items }) =>
    items
      .filter((p) => decideItemAccess(grants, server, p.name).effect === "allow")
      .map((p) => ({ ...p, name: `${server.name}${TOOL_NAME_SEPARATOR}${p.name}` })),
  );
}

/** prompts/get: decide on the prompt name, rate limits, DLP on the arguments, get, DLP on the messages. */
export async function getPrompt(
  deps: CatalogDeps,
  ctx: CallContext,
  name: string,
  args: Record<string, string> | undefined,
): Promise<GetPromptResult> {
  const { snapshot, identity } = ctx;
  const at = name.indexOf(TOOL_NAME_SEPARATOR);
  const serverName = at > 0 ? name.slice(0, at) : "";
  const promptName = at > 0 ? name.slice(at + TOOL_NAME_SEPARATOR.length) : "";
  const grants = itemViewsFor(snapshot, identity, ctx.portal).prompts;
  const server = grants.servers.find((s) => s.name === serverName);
  if (!server || !promptName) throw new AppError("NOT_FOUND", `unknown prompt '${name}'`);
  ctx.audit.serverId = server.id;
  ctx.audit.serverName = server.name;
  ctx.audit.toolName = promptName;
  const decision = decideItemAccess(grants, server, promptName);
  if (decision.effect === "deny")
    throw new AppError("FORBIDDEN", `prompt '${name}' denied: ${decision.reason}`);
  const stage = itemStageInput(ctx, server, "prompt", promptName);
  await deps.stages.rateLimit.enforce(stage);
  const sent = deps.stages.dlp.scanValue(stage, "arguments", args ?? {}, `prompt '${name}'`);
  ctx.audit.arguments ??= args ?? null;
  let result: GetPromptResult;
  try {
    result = await deps.pool.getPrompt(snapshot.upstreamSpec(server), promptName, args && sent);
  } catch (err) {
    throw deps.stages.dlp.screenUpstreamError(stage, err);
  }
  return deps.stages.dlp.scanValue(stage, "result", result, `prompt '${name}'`, ITEM_SCAN_SKIP);
}
