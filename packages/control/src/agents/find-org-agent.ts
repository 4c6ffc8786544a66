import { AppError } from "@portcullis/contracts/errors";
import type { Agent } from "@portcullis/db/client";
import type { Tx } from "../db";

/** An agent of the organization by id; another organization's agent is reported as missing. */
export async function findOrgAgent(tx: Tx, orgId: string, agentId: string): Promise<Agent> {
  const agent = await tx.agent.findFirst({ where: { id: agentId, orgId } });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${agentId} does not exist`);
  return agent;
}
