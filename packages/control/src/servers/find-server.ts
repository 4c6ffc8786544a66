import { AppError } from "@portcullis/contracts/errors";
import type { Server } from "@portcullis/db/client";
import type { Tx } from "../db";

/**
 * A server of the organization. A server of another organization is reported exactly like
 * a missing one, so ids reveal nothing across tenants.
 */
export async function findServer(tx: Tx, orgId: string, serverId: string): Promise<Server> {
  const server = await tx.server.findFirst({ where: { id: serverId, orgId } });
  if (!server) throw new AppError("NOT_FOUND", `server ${serverId} does not exist`);
  return server;
}
