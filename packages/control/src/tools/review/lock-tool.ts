import type { Tool } from "@portcullis/db/client";
import type { Tx } from "../../db";
import { findTool } from "../find-tool";

/**
 * Reads the organization's tool with its row locked for the rest of the transaction, so a
 * catalog sync cannot store a new definition between the check and the change.
 */
export async function lockTool(tx: Tx, orgId: string, toolId: string): Promise<Tool> {
  await tx.$executeRaw`SELECT 1 FROM tools WHERE id = ${toolId} AND org_id = ${orgId} FOR UPDATE`;
  return findTool(tx, orgId, toolId);
}
