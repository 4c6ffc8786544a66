import { foldText } from "./fold-text";

/** One tool of an organization's catalog, as collision detection needs it. */
export interface CatalogToolName {
  id: string;
  serverName: string;
  upstreamName: string;
}

/** The flag on a tool whose name collides with a tool of `serverName`: `name_collision:<server>`. */
export const COLLISION_FLAG_PREFIX = "name_collision:";

export function collisionFlag(serverName: string): string {
  return `${COLLISION_FLAG_PREFIX}${serverName}`;
}

/**
 * The key two tool names collide on: what a model would take for the same name. Case,
 * separators (`send_email`, `send-email`, `sendEmail`), fullwidth forms, Latin lookalikes
 * and hidden characters do not tell tools apart.
 */
export function collisionKey(toolName: string): string {
  return foldText(toolName, "drop").text.replace(/[\s_.\-:/]+/g, "");
}

/**
 * For every tool whose name collides with a tool of *another* server, the names of those
 * servers (sorted). Tools of one server never collide with each other: an upstream cannot
 * shadow itself. Exposed names (`<server>__<tool>`) stay unique at the gateway; the risk a
 * collision flags is a model (or a person) picking the wrong server's `send_email`, and a
 * newly added server shadowing a trusted one's tool.
 */
export function findNameCollisions(tools: readonly CatalogToolName[]): Map<string, string[]> {
  const byKey = new Map<string, CatalogToolName[]>();
  for (const tool of tools) {
    const key = collisionKey(tool.upstreamName);
    if (!key) continue;
    const group = byKey.get(key);
    if (group) group.push(tool);
    else byKey.set(key, [tool]);
  }
  const collisions = new Map<string, string[]>();
  for (const group of byKey.values()) {
    for (const tool of group) {
      const others = [
        ...new Set(group.filter((o) => o.serverName !== tool.serverName).map((o) => o.serverName)),
      ];
      if (others.length > 0) collisions.set(tool.id, others.sort());
    }
  }
  return collisions;
}
