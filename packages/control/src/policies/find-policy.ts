import { AppError } from "@portcullis/contracts/errors";
import type { Policy } from "@portcullis/db/client";
import type { Tx } from "../db";

/** A policy of the organization by id; another organization's policy is reported as missing. */
export async function findPolicy(tx: Tx, orgId: string, policyId: string): Promise<Policy> {
  const policy = await tx.policy.findFirst({ where: { id: policyId, orgId } });
  if (!policy) throw new AppError("NOT_FOUND", `policy ${policyId} does not exist`);
  return policy;
}
