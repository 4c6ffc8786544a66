import { newId } from "@portcullis/contracts/ids";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { parsePolicyEntry, resolvePolicyScope } from "./policy-entry";
import { policyValues } from "./policy-scope";

/**
 * Creates a policy from an apply-file entry (see parsePolicyEntry). Stored exactly as
 * `portcullis apply` stores the same entry: applying a file that declares it afterwards
 * plans no change.
 *
 * @throws AppError INVALID_INPUT (with fieldErrors), CONFLICT when the name is taken (by
 *   a policy of any kind: the name is the identity).
 */
export async function createPolicy(
  db: Db,
  input: { orgId: string; actor: Actor; policy: unknown },
): Promise<{ id: string; name: string }> {
  const values = policyValues(parsePolicyEntry(input.policy));
  try {
    return await db.$transaction(async (tx) => {
      const scope = await resolvePolicyScope(tx, input.orgId, values.scope);
      if (await tx.policy.findFirst({ where: { orgId: input.orgId, name: values.name } })) {
        throw duplicateName("policy", values.name);
      }
      const id = newId("policy");
      await tx.policy.create({
        data: {
          id,
          orgId: input.orgId,
          name: values.name,
          kind: values.kind,
          enabled: values.enabled,
          priority: values.priority,
          scope,
          config: values.config as object,
          createdBy: actorLabel(input.actor),
        },
      });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "policy.create",
        targetType: "policy",
        targetId: id,
        details: { name: values.name, kind: values.kind },
      });
      return { id, name: values.name };
    });
  } catch (error) {
    throw nameConflict(error, "policy", values.name);
  }
}
