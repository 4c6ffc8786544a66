import type { Tx } from "../db";
import { findPolicy } from "./find-policy";
import { loadScopeDirectory } from "./policy-scope";
import { type PolicyView, toPolicyView } from "./policy-view";

/** One policy of the organization, scope by name. @throws AppError NOT_FOUND (also for another organization's id). */
export async function getPolicy(db: Tx, input: { orgId: string; id: string }): Promise<PolicyView> {
  const row = await findPolicy(db, input.orgId, input.id);
  return toPolicyView(row, await loadScopeDirectory(db, input.orgId));
}
