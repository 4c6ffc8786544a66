import type { PolicyKind } from "@portcullis/db/client";
import type { Tx } from "../db";
import { loadScopeDirectory } from "./policy-scope";
import { type PolicyView, toPolicyView } from "./policy-view";

/** The organization's policies (optionally of one kind), by priority (lower first, as the gateway orders them), then name. */
export async function listPolicies(
  db: Tx,
  input: { orgId: string; kind?: PolicyKind },
): Promise<PolicyView[]> {
  const rows = await db.policy.findMany({
    where: { orgId: input.orgId, ...(input.kind !== undefined && { kind: input.kind }) },
    orderBy: [{ priority: "asc" }, { name: "asc" }],
  });
  const directory = await loadScopeDirectory(db, input.orgId);
  return rows.map((row) => toPolicyView(row, directory));
}
