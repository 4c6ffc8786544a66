import { formatCommandLine } from "@portcullis/upstream/stdio-launch";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { canonicalJson } from "../canonical-json";
import { fieldChanges } from "../change-plan/field-changes";
import type { Db } from "../db";
import { findServer } from "./find-server";
import {
  applyServerChanges,
  credentialsDropped,
  draftFromRow,
  type ServerChanges,
  serverRowData,
  validateServerDraft,
} from "./server-draft";
import { duplicateName, nameConflict } from "./unique-name";

const COMPARED = [
  "name",
  "description",
  "transport",
  "url",
  "command",
  "args",
  "timeoutMs",
  "network",
  "allowElicitation",
  "allowSampling",
  "trustNewTools",
  "status",
] as const;

/**
 * Changes a server. Secrets: undefined keeps, null clears, a value replaces. Renaming
 * renames its tools' exposed names (`<server>__<tool>`) in the same transaction.
 * @returns the fields that changed (empty: nothing was written).
 */
export async function updateServer(
  db: Db,
  input: { orgId: string; actor: Actor; secretKey: Buffer; id: string; changes: ServerChanges },
): Promise<{ id: string; name: string; changed: string[] }> {
  let name = input.changes.name ?? "";
  try {
    return await db.$transaction(async (tx) => {
      const row = await findServer(tx, input.orgId, input.id);
      const current = draftFromRow(row, input.secretKey);
      const next = applyServerChanges(current, input.changes);
      name = next.name;
      validateServerDraft(next);
      const changed: string[] = COMPARED.filter((f) => canonicalJson(current[f]) !== canonicalJson(next[f]));
      const secretsChanged = canonicalJson(current.secrets) !== canonicalJson(next.secrets);
      if (changed.length === 0 && !secretsChanged) return { id: row.id, name: row.name, changed: [] };

      if (next.name !== row.name) {
        const taken = await tx.server.findFirst({ where: { orgId: input.orgId, name: next.name } });
        if (taken) throw duplicateName("server", next.name);
      }
      const data = serverRowData(next, input.secretKey);
      await tx.server.update({
        where: { id: row.id },
        data: secretsChanged ? data : { ...data, secrets: row.secrets },
      });
      if (next.name !== row.name) {
        await tx.$executeRaw`UPDATE tools SET exposed_name = ${next.name} || '__' || upstream_name, updated_at = now() WHERE server_id = ${row.id}`;
      }
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "server.update",
        targetType: "server",
        targetId: row.id,
        details: {
          name: next.name,
          fields: secretsChanged ? [...changed, "secrets"] : changed,
          changes: fieldChanges(current, next, changed),
          ...(secretsChanged && { secretsChanged: true }),
          // The exact program the server now starts, whenever what it starts changed.
          ...(next.transport === "stdio" &&
            changed.some((f) => f === "command" || f === "args" || f === "transport") && {
              commandLine: formatCommandLine(next.command ?? "", next.args),
            }),
          // Said apart: the admin must enter the credentials again for the new host.
          ...(credentialsDropped(current, next, input.changes) && { credentialsDroppedForNewHost: true }),
        },
      });
      return { id: row.id, name: next.name, changed: secretsChanged ? [...changed, "secrets"] : changed };
    });
  } catch (error) {
    throw nameConflict(error, "server", name);
  }
}
