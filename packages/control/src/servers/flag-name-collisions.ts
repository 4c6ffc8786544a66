import {
  COLLISION_FLAG_PREFIX,
  collisionFlag,
  collisionKey,
  findNameCollisions,
} from "@portcullis/policy/tool-scan/name-collisions";
import type { Tx } from "../db";

/**
 * Brings the `name_collision:<server>` flags of an organization's tools up to date after
 * a catalog sync that added `addedToolIds`:
 *
 * - a collision is flagged, on both tools, when it first appears: one of the two tools was
 *   added by this sync. A collision an admin already reviewed (approving clears the flag)
 *   is not raised again on every sync;
 * - a flag whose collision no longer exists (the other tool was removed, its server
 *   deleted) is cleared.
 *
 * Call it inside the sync's transaction, after taking the organization's catalog lock, so
 * two servers syncing at once cannot both miss the collision they create together. Flags
 * are rewritten in one SQL statement per tool, so a concurrent change to a tool's other
 * flags is never lost. Returns the exposed names of tools that gained a collision flag.
 */
export async function flagNameCollisions(
  tx: Tx,
  orgId: string,
  addedToolIds: ReadonlySet<string>,
): Promise<string[]> {
  const rows = await tx.tool.findMany({
    where: { orgId, status: { not: "removed" } },
    select: {
      id: true,
      upstreamName: true,
      exposedName: true,
      flags: true,
      server: { select: { name: true } },
    },
  });
  const tools = rows.map((r) => ({ id: r.id, upstreamName: r.upstreamName, serverName: r.server.name }));
  const collisions = findNameCollisions(tools);
  // For each collision key, the servers whose tool of that name this sync added.
  const addedServersByKey = new Map<string, Set<string>>();
  for (const tool of tools) {
    if (!addedToolIds.has(tool.id)) continue;
    const key = collisionKey(tool.upstreamName);
    addedServersByKey.set(key, (addedServersByKey.get(key) ?? new Set()).add(tool.serverName));
  }

  const newlyFlagged: string[] = [];
  for (const row of rows) {
    const current = row.flags.filter((f) => f.startsWith(COLLISION_FLAG_PREFIX)).sort();
    const others = collisions.get(row.id) ?? [];
    const addedOthers = addedServersByKey.get(collisionKey(row.upstreamName));
    const desired = others
      .filter(
        (other) =>
          current.includes(collisionFlag(other)) ||
          addedToolIds.has(row.id) ||
          addedOthers?.has(other) === true,
      )
      .map(collisionFlag)
      .sort();
    if (desired.join("\n") === current.join("\n")) continue;
    if (desired.some((f) => !current.includes(f))) newlyFlagged.push(row.exposedName);
    await tx.$executeRaw`
      UPDATE tools
         SET flags = ARRAY(SELECT f FROM unnest(flags) AS f WHERE NOT starts_with(f, ${COLLISION_FLAG_PREFIX}))
                     || ${desired}::text[],
             updated_at = CURRENT_TIMESTAMP
       WHERE id = ${row.id}`;
  }
  return newlyFlagged;
}
