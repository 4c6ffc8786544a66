import { newId } from "@portcullis/contracts/ids";
import { formatCommandLine } from "@portcullis/upstream/stdio-launch";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { draftFromFields, type ServerFields, serverRowData, validateServerDraft } from "./server-draft";
import { duplicateName, nameConflict } from "./unique-name";

/**
 * Adds a server to the organization (validated like a config file entry; secrets sealed
 * with the installation key). Its catalog is empty until a sync. Publish a snapshot afterwards.
 */
export async function createServer(
  db: Db,
  input: { orgId: string; actor: Actor; secretKey: Buffer; fields: ServerFields },
): Promise<{ id: string; name: string }> {
  const draft = draftFromFields(input.fields);
  validateServerDraft(draft);
  const id = newId("server");
  try {
    await db.$transaction(async (tx) => {
      const taken = await tx.server.findFirst({ where: { orgId: input.orgId, name: draft.name } });
      if (taken) throw duplicateName("server", draft.name);
      await tx.server.create({ data: { id, orgId: input.orgId, ...serverRowData(draft, input.secretKey) } });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "server.create",
        targetType: "server",
        targetId: id,
        // Secret values never reach the audit log; that there are some does.
        details: {
          name: draft.name,
          transport: draft.transport,
          url: draft.url,
          command: draft.command,
          // The exact program an approver of this change is agreeing to run.
          ...(draft.transport === "stdio" && {
            commandLine: formatCommandLine(draft.command ?? "", draft.args),
            network: draft.network,
          }),
          hasSecrets: Object.keys(draft.secrets).length > 0,
          // Said at creation: this server's later tools will reach agents without a review.
          ...(draft.trustNewTools && { trustNewTools: true }),
        },
      });
    });
  } catch (error) {
    throw nameConflict(error, "server", draft.name);
  }
  return { id, name: draft.name };
}
