import { AppError, isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { uiResourceUriOf } from "@portcullis/contracts/mcp-apps";
import { exposedToolName } from "@portcullis/contracts/snapshot";
import { Prisma, type Tool } from "@portcullis/db/client";
import { riskFromAnnotations, type ToolAnnotationHints } from "@portcullis/policy/risk";
import { NEW_TOOL_FLAG } from "@portcullis/policy/tool-availability";
import { INJECTION_FLAG_PREFIX } from "@portcullis/policy/tool-scan/findings";
import { injectionFlags, scanToolDefinition } from "@portcullis/policy/tool-scan/scan-tool";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { canonicalJson } from "../canonical-json";
import { type Db, LONG_TRANSACTION, type Tx } from "../db";
import { flagNameCollisions } from "./flag-name-collisions";
import { toUpstreamSpec } from "./server-spec";
import { type ListedTool, toolDefinition, toolDefinitionHash } from "./tool-definition";

export interface CatalogSyncResult {
  /** Upstream names of tools seen for the first time (or back after being removed). */
  added: string[];
  /** Tools whose definition hash changed. */
  changed: string[];
  /** Tools the upstream no longer lists (now status `removed`). */
  removed: string[];
  unchanged: number;
}

/** Flag set on a tool whose definition differs from the one first seen or last approved. */
export const DEFINITION_CHANGED = "definition_changed";

/** Flag set on a tool first listed after its server's first sync (held for review). */
export const NEW_TOOL = NEW_TOOL_FLAG;

const SYSTEM_ACTOR: Actor = { type: "system", name: "catalog-sync" };

/**
 * Lists a server's tools upstream and reconciles the Tool rows with them.
 *
 * - The first sync of a server accepts its tools: they are stored active, with risk derived
 *   from their annotations and their first definition accepted (`approvedHash =
 *   definitionHash`, `approvedDefinition` kept).
 * - A tool name first listed by a later sync is flagged `new_tool` and quarantined, with
 *   nothing approved, unless the server has `trustNewTools`: an upstream that adds a tool
 *   (a compromised package, a server behind the same URL now offering `delete_all`) must
 *   not reach agents because an old grant's `*` happens to cover it.
 * - A changed definition is stored and flagged `definition_changed`; when it differs from
 *   the approved one the tool is `quarantined` until an admin approves it (tool pinning:
 *   a rug-pulled description must not reach models silently).
 * - Every new or changed definition is scanned for prompt-injection markers (hidden
 *   Unicode, instructions to the model, secrets and sensitive paths). A tool with markers
 *   is flagged `prompt_injection:<kind>` and quarantined, even on first sight (then with
 *   nothing approved): the scanner cannot tell a poisoned description from a clumsy one,
 *   and a false alarm costs one review while a missed one reaches every agent's model.
 * - A tool whose name collides with another server's tool is flagged
 *   `name_collision:<other server>` (both of them), without quarantine: two servers may
 *   legitimately offer `search`, and the exposed names stay distinct.
 * - Tools no longer listed become `removed` (kept, so grants and audit keep their meaning).
 *
 * On failure the server is marked unhealthy with the reason in `lastError`, the tools are
 * left untouched, and an UPSTREAM_UNAVAILABLE error is thrown. An AdminAuditLog row is
 * written when the catalog changed (not on every periodic no-op sync).
 */
export async function syncServerCatalog(
  db: Db,
  pool: UpstreamPool,
  serverId: string,
  opts: {
    secretKey: Buffer;
    actor?: Actor;
    /** Told when the sync reaches a step (the catalog.sync job reports it as progress). */
    onStep?: (step: "listing" | "storing") => Promise<void> | void;
  },
): Promise<CatalogSyncResult> {
  const server = await db.server.findUnique({ where: { id: serverId } });
  if (!server) throw new AppError("NOT_FOUND", `server ${serverId} does not exist`);

  let listed: ListedTool[];
  await opts.onStep?.("listing");
  try {
    listed = (await pool.listTools(toUpstreamSpec(server, opts.secretKey))) as unknown as ListedTool[];
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    await db.server.update({ where: { id: server.id }, data: { health: "unhealthy", lastError: reason } });
    throw new AppError("UPSTREAM_UNAVAILABLE", `catalog sync of server "${server.name}" failed: ${reason}`, {
      details: { serverId: server.id, ...(isAppError(cause) && { cause: cause.code }) },
      cause,
    });
  }

  await opts.onStep?.("storing");
  return db.$transaction(async (tx) => {
    // Serializes concurrent syncs of one server, which would otherwise race to insert the same tools.
    await tx.$executeRaw`SELECT 1 FROM servers WHERE id = ${server.id} FOR UPDATE`;
    // And syncs within one organization, before any tool is written: name collisions span servers.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`portcullis:catalog:${server.orgId}`}))`;
    // Read under the lock: of two concurrent first syncs, only the first one accepts tools.
    const settings = await tx.server.findUniqueOrThrow({
      where: { id: server.id },
      select: { lastSyncAt: true, trustNewTools: true },
    });
    const holdNewTools = settings.lastSyncAt !== null && !settings.trustNewTools;
    const { result, addedIds, quarantined, heldAsNew } = await reconcileTools(
      tx,
      server,
      listed,
      holdNewTools,
    );
    const collisions = await flagNameCollisions(tx, server.orgId, addedIds);
    await tx.server.update({
      where: { id: server.id },
      data: { health: "healthy", lastError: null, lastSyncAt: new Date() },
    });
    if (result.added.length + result.changed.length + result.removed.length + collisions.length > 0) {
      await recordAdminChange(tx, {
        orgId: server.orgId,
        actor: opts.actor ?? SYSTEM_ACTOR,
        action: "server.catalog_sync",
        targetType: "server",
        targetId: server.id,
        details: {
          name: server.name,
          ...result,
          ...(quarantined.length > 0 && { quarantined }),
          ...(heldAsNew.length > 0 && { newToolsHeldForReview: heldAsNew }),
          ...(collisions.length > 0 && { nameCollisions: collisions }),
        },
      });
    }
    return result;
  }, LONG_TRANSACTION);
}

async function reconcileTools(
  tx: Tx,
  server: { id: string; orgId: string; name: string },
  listed: ListedTool[],
  holdNewTools: boolean,
): Promise<{ result: CatalogSyncResult; addedIds: Set<string>; quarantined: string[]; heldAsNew: string[] }> {
  const existing = new Map(
    (await tx.tool.findMany({ where: { serverId: server.id } })).map((t) => [t.upstreamName, t]),
  );
  const result: CatalogSyncResult = { added: [], changed: [], removed: [], unchanged: 0 };
  const addedIds = new Set<string>();
  const quarantined: string[] = [];
  const heldAsNew: string[] = [];
  const created: Prisma.ToolCreateManyInput[] = [];
  const seen = new Set<string>();

  for (const tool of listed) {
    if (seen.has(tool.name)) continue; // a misbehaving upstream listing a name twice: first wins
    seen.add(tool.name);
    const hash = toolDefinitionHash(tool);
    const current = existing.get(tool.name);
    if (!current) {
      const flags = [...injectionFlags(scanToolDefinition(tool)), ...(holdNewTools ? [NEW_TOOL] : [])];
      const id = newId("tool");
      const exposedName = exposedToolName(server.name, tool.name);
      // Markers on first sight, or a tool the server added later: nothing is approved, and
      // the tool waits for a review.
      created.push({
        id,
        orgId: server.orgId,
        serverId: server.id,
        upstreamName: tool.name,
        exposedName,
        ...definitionFields(tool, hash),
        ...(flags.length === 0
          ? { approvedHash: hash, approvedDefinition: approvedDefinition(tool), status: "active" as const }
          : { approvedHash: null, status: "quarantined" as const, flags }),
      });
      if (flags.length > 0) quarantined.push(exposedName);
      if (holdNewTools) heldAsNew.push(exposedName);
      addedIds.add(id);
      result.added.push(tool.name);
      continue;
    }
    const definitionChanged = current.definitionHash !== hash;
    if (!definitionChanged && current.status !== "removed") {
      // How a tool may be called is no part of what a model is told: a change is stored
      // without a review (the gateway calls a task-only tool as a task either way).
      if (!sameJson(current.execution, tool.execution)) {
        await tx.tool.update({ where: { id: current.id }, data: { execution: jsonOrNull(tool.execution) } });
      }
      // Tools approved before approved definitions were kept: the current one is the approved one.
      if (current.approvedDefinition === null && current.approvedHash === hash) {
        await tx.tool.update({
          where: { id: current.id },
          data: { approvedDefinition: approvedDefinition(tool) },
        });
      }
      result.unchanged++;
      continue;
    }
    const pinning = pinningState(current, hash, injectionFlags(scanToolDefinition(tool)));
    await tx.tool.update({
      where: { id: current.id },
      data: { ...definitionFields(tool, hash), ...pinning },
    });
    if (pinning.status === "quarantined" && current.status !== "quarantined")
      quarantined.push(current.exposedName);
    if (current.status === "removed") addedIds.add(current.id);
    (current.status === "removed" ? result.added : result.changed).push(tool.name);
  }
  if (created.length > 0) await tx.tool.createMany({ data: created });

  const gone = [...existing.values()].filter((t) => !seen.has(t.upstreamName) && t.status !== "removed");
  if (gone.length > 0) {
    await tx.tool.updateMany({ where: { id: { in: gone.map((t) => t.id) } }, data: { status: "removed" } });
    result.removed.push(...gone.map((t) => t.upstreamName));
  }
  return { result, addedIds, quarantined, heldAsNew };
}

function approvedDefinition(tool: ListedTool): Prisma.InputJsonValue {
  return toolDefinition(tool) as unknown as Prisma.InputJsonValue;
}

function definitionFields(tool: ListedTool, hash: string) {
  return {
    title: tool.title ?? null,
    description: tool.description ?? null,
    inputSchema: (tool.inputSchema ?? { type: "object" }) as Prisma.InputJsonValue,
    outputSchema: jsonOrNull(tool.outputSchema),
    annotations: jsonOrNull(tool.annotations),
    execution: jsonOrNull(tool.execution),
    uiResourceUri: uiResourceUriOf(tool),
    riskClass: riskFromAnnotations(tool.annotations as ToolAnnotationHints | undefined),
    definitionHash: hash,
  };
}

/**
 * Status and flags for a known tool whose definition is now `hash`, carrying the
 * `injection` flags its scan found. Back to the approved definition clears the review
 * flags (an upstream reverted a change; what an admin approved stands, markers or not).
 * Any other definition is flagged `definition_changed` and quarantined: it departs from
 * the approved one, or nothing was ever approved (the first one had markers). A new tool
 * still waiting for its first review stays `new_tool` alone: there is no approved
 * definition it could have changed from. An admin's `disabled` always stands.
 */
function pinningState(
  current: Tool,
  hash: string,
  injection: string[],
): { status: Tool["status"]; flags: string[] } {
  const otherFlags = current.flags.filter(
    (f) => f !== DEFINITION_CHANGED && !f.startsWith(INJECTION_FLAG_PREFIX),
  );
  const keep = (status: Tool["status"]) => (current.status === "disabled" ? "disabled" : status);
  if (current.approvedHash === hash) return { status: keep("active"), flags: otherFlags };
  const unreviewedNew = current.approvedHash === null && otherFlags.includes(NEW_TOOL);
  return {
    status: keep("quarantined"),
    flags: [...otherFlags, ...injection, ...(unreviewedNew ? [] : [DEFINITION_CHANGED])],
  };
}

function sameJson(stored: unknown, listed: unknown): boolean {
  return canonicalJson(stored ?? null) === canonicalJson(listed ?? null);
}

function jsonOrNull(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === undefined || value === null ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}
