import { AppError } from "@portcullis/contracts/errors";
import type { Tx } from "../db";
import { resolveOrganization } from "../organizations/resolve-organization";

/** The agent named `agentName` in the organization (by id, or the only one). */
export async function findAgent(tx: Tx, orgId: string | undefined, agentName: string) {
  const org = await resolveOrganization(tx, orgId === undefined ? {} : { orgId });
  const agent = await tx.agent.findUnique({ where: { orgId_name: { orgId: org.id, name: agentName } } });
  if (!agent)
    throw new AppError("NOT_FOUND", `agent "${agentName}" does not exist in organization "${org.slug}"`);
  return agent;
}
