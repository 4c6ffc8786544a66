import { AppError } from "@portcullis/contracts/errors";
import { type SnapshotServer, TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type {
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from "@portcullis/upstream/types";
import type { Logger } from "pino";
import type { CallContext } from "../pipeline/request-context";

export interface CatalogDeps {
  pool: UpstreamPool;
  logger: Logger;
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

export async function listResources(deps: CatalogDeps, ctx: CallContext): Promise<Resource[]> {
  const { snapshot, identity } = ctx;
  const servers = snapshot.viewFor(identity.agent).grantedServers;
  const results = await fanOut(deps, servers, "resources/list", (s) =>
    deps.pool.listResources(snapshot.upstreamSpec(s)),
  );
  const out: Resource[] = [];
  for (const { server, items } of results) {
    for (const r of items) {
      deps.resourceOwners.set(`${identity.agent.orgId} ${r.uri}`, server.id);
      out.push(r);
    }
  }
  if (deps.resourceOwners.size > 100_000) deps.resourceOwners.clear();
  return out;
}

export async function listResourceTemplates(
  deps: CatalogDeps,
  ctx: CallContext,
): Promise<ResourceTemplate[]> {
  const { snapshot, identity } = ctx;
  const servers = snapshot.viewFor(identity.agent).grantedServers;
  const results = await fanOut(deps, servers, "resources/templates/list", (s) =>
    deps.pool.listResourceTemplates(snapshot.upstreamSpec(s)),
  );
  return results.flatMap((r) => r.items);
}

export async function readResource(
  deps: CatalogDeps,
  ctx: CallContext,
  uri: string,
): Promise<ReadResourceResult> {
  const { snapshot, identity } = ctx;
  const servers = snapshot.viewFor(identity.agent).grantedServers;
  const ownerKey = `${identity.agent.orgId} ${uri}`;
  if (!deps.resourceOwners.has(ownerKey)) await listResources(deps, ctx);
  const ownerId = deps.resourceOwners.get(ownerKey);
  // Unlisted URIs (resource templates) are tried on each granted server in turn.
  const candidates = ownerId ? servers.filter((s) => s.id === ownerId) : servers;
  let lastError: unknown = null;
  for (const server of candidates) {
    ctx.audit.serverId = server.id;
    ctx.audit.serverName = server.name;
    try {
      return await deps.pool.readResource(snapshot.upstreamSpec(server), uri);
    } catch (err) {
      lastError = err;
    }
  }
  if (ownerId && lastError) throw lastError;
  throw new AppError("NOT_FOUND", `unknown resource '${uri}'`);
}

export async function listPrompts(deps: CatalogDeps, ctx: CallContext): Promise<Prompt[]> {
  const { snapshot, identity } = ctx;
  const servers = snapshot.viewFor(identity.agent).grantedServers;
  const results = await fanOut(deps, servers, "prompts/list", (s) =>
    deps.pool.listPrompts(snapshot.upstreamSpec(s)),
  );
  return results.flatMap(({ server, items }) =>
    items.map((p) => ({ ...p, name: `${server.name}${TOOL_NAME_SEPARATOR}${p.name}` })),
  );
}

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
  const server = snapshot.viewFor(identity.agent).grantedServers.find((s) => s.name === serverName);
  if (!server || !promptName) throw new AppError("NOT_FOUND", `unknown prompt '${name}'`);
  ctx.audit.serverId = server.id;
  ctx.audit.serverName = server.name;
  ctx.audit.toolName = promptName;
  return deps.pool.getPrompt(snapshot.upstreamSpec(server), promptName, args);
}
