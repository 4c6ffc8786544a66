import { openSecrets, sealSecrets, type UpstreamSecrets } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import { Prisma, type Server } from "@portcullis/db/client";
import { formatCommandLine } from "@portcullis/upstream/stdio-launch";
import { canonicalJson } from "../canonical-json";
import { fieldChanges } from "../change-plan/field-changes";
import type { DesiredServer } from "./desired-state";
import type { Operation } from "./plan";

const COMPARED = [
  "description",
  "transport",
  "url",
  "command",
  "args",
  "env",
  "timeoutMs",
  "network",
  "allowElicitation",
  "allowSampling",
  "trustNewTools",
  "status",
] as const;

/** Creates and updates (run early: grants need the servers) and deletes (run late) for servers. */
export function planServers(
  current: Server[],
  desired: DesiredServer[],
  secretKey: Buffer,
): { upserts: Operation[]; deletes: Operation[] } {
  const byName = new Map(current.map((s) => [s.name, s]));
  const wanted = new Set(desired.map((s) => s.name));
  const upserts: Operation[] = [];

  for (const want of desired) {
    const row = byName.get(want.name);
    const values = { ...want, env: null };
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "server", name: want.name },
        details: {
          transport: want.transport,
          url: want.url,
          command: want.command,
          ...(want.command !== null && { commandLine: formatCommandLine(want.command, want.args) }),
          ...(want.trustNewTools && { trustNewTools: true }),
        },
        run: async (tx, ctx) => {
          const id = newId("server");
          await tx.server.create({
            data: {
              id,
              orgId: ctx.orgId,
              name: want.name,
              description: want.description,
              transport: want.transport,
              url: want.url,
              command: want.command,
              args: want.args,
              secrets: seal(want.secrets, ctx.secretKey),
              timeoutMs: want.timeoutMs,
              network: want.network,
              allowElicitation: want.allowElicitation,
              allowSampling: want.allowSampling,
              trustNewTools: want.trustNewTools,
              status: want.status,
            },
          });
          ctx.serverIds.set(want.name, id);
          return id;
        },
      });
      continue;
    }
    const fields: string[] = COMPARED.filter(
      (f) => canonicalJson(row[f] ?? null) !== canonicalJson(values[f]),
    );
    const secretsChanged = !secretsEqual(row.secrets, want.secrets, secretKey);
    if (fields.length === 0 && !secretsChanged) continue;
    upserts.push({
      change: {
        action: "update",
        kind: "server",
        name: want.name,
        fields: secretsChanged ? [...fields, "secrets"] : fields,
      },
      // Secret values never reach the audit log; that they changed does.
      details: {
        changes: fieldChanges(row, values, fields),
        ...(want.command !== null &&
          fields.some((f) => f === "command" || f === "args" || f === "transport") && {
            commandLine: formatCommandLine(want.command, want.args),
          }),
        ...(secretsChanged && { secretsChanged: true }),
      },
      run: async (tx, ctx) => {
        await tx.server.update({
          where: { id: row.id },
          data: {
            description: want.description,
            transport: want.transport,
            url: want.url,
            command: want.command,
            args: want.args,
            env: Prisma.DbNull,
            timeoutMs: want.timeoutMs,
            network: want.network,
            allowElicitation: want.allowElicitation,
            allowSampling: want.allowSampling,
            trustNewTools: want.trustNewTools,
            status: want.status,
            ...(secretsChanged && { secrets: seal(want.secrets, ctx.secretKey) }),
          },
        });
        return row.id;
      },
    });
  }

  const deletes: Operation[] = current
    .filter((s) => !wanted.has(s.name))
    .map((row) => ({
      change: { action: "delete", kind: "server", name: row.name },
      run: async (tx) => {
        await tx.server.delete({ where: { id: row.id } });
        return row.id;
      },
    }));
  return { upserts, deletes };
}

function seal(secrets: UpstreamSecrets | null, key: Buffer): string | null {
  return secrets === null ? null : sealSecrets(secrets, key);
}

/**
 * Sealing is randomized (fresh IV each time), so ciphertexts never compare equal: compare
 * the opened values. A value that no longer opens (the key changed) counts as different,
 * so the apply reseals it under the current key.
 */
function secretsEqual(sealed: string | null, desired: UpstreamSecrets | null, key: Buffer): boolean {
  if (sealed === null || desired === null) return sealed === null && desired === null;
  try {
    return canonicalJson(openSecrets(sealed, key)) === canonicalJson(desired);
  } catch {
    return false;
  }
}
