import { type PublishedSnapshot, publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { ApiContext } from "./context";

/**
 * Publishes a config snapshot after a committed console change (only changeProcedure calls it), so gateways apply it
 * within a second. `what` reads like "servers.create everything"; the snapshot's summary
 * adds who. If Redis is down the change stays committed and the UNAVAILABLE error says so.
 */
export function publishChange(
  ctx: ApiContext & { user: { email: string } },
  what: string,
): Promise<PublishedSnapshot> {
  return publishSnapshot(ctx.db, ctx.redis, ctx.names, {
    secretKey: ctx.secretKey,
    createdBy: ctx.user.email,
    summary: `${what} by ${ctx.user.email}`,
  });
}
