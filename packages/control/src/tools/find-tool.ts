import { AppError } from "@portcullis/contracts/errors";
import type { Tool } from "@portcullis/db/client";
import type { Tx } from "../db";

/** A tool of the organization; another organization's tool is reported as missing. */
export async function findTool(tx: Tx, orgId: string, toolId: string): Promise<Tool> {
  const tool = await tx.tool.findFirst({ where: { id: toolId, orgId } });
  if (!tool) throw new AppError("NOT_FOUND", `tool ${toolId} does not exist`);
  return tool;
}
