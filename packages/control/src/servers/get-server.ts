import { formatCommandLine } from "@portcullis/upstream/stdio-launch";
import type { Tx } from "../db";
import { findServer } from "./find-server";
import { countTools, type ServerSummary } from "./list-servers";
import { secretNames } from "./server-draft";
import { openServerSecrets } from "./server-spec";
import { toContractTransport } from "./transport";

export interface ServerDetail extends ServerSummary {
  args: string[];
  /** stdio: the exact command line started (quoted as a shell would read it); null for HTTP. */
  commandLine: string | null;
  network: boolean;
  allowElicitation: boolean;
  allowSampling: boolean;
  /** Tools first listed after the first sync are served without review (false: quarantined as new). */
  trustNewTools: boolean;
  timeoutMs: number;
  /** Names of the stored secrets (never their values); null when they cannot be opened. */
  secretNames: { headers: string[]; bearer: boolean; env: string[] } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One server of the organization, for its detail and edit pages. */
export async function getServer(
  db: Tx,
  input: { orgId: string; id: string; secretKey: Buffer },
): Promise<ServerDetail> {
  const row = await findServer(db, input.orgId, input.id);
  let names: ServerDetail["secretNames"];
  try {
    names = secretNames(openServerSecrets(row, input.secretKey));
  } catch {
    names = null;
  }
  const counts = await countTools(db, input.orgId, row.id);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    transport: toContractTransport(row.transport),
    url: row.url,
    command: row.command,
    args: row.args,
    commandLine: row.command === null ? null : formatCommandLine(row.command, row.args),
    network: row.network,
    allowElicitation: row.allowElicitation,
    allowSampling: row.allowSampling,
    trustNewTools: row.trustNewTools,
    timeoutMs: row.timeoutMs,
    status: row.status,
    health: row.health,
    toolCount: counts.get(row.id) ?? 0,
    lastSyncAt: row.lastSyncAt,
    lastError: row.lastError,
    hasSecrets: row.secrets !== null,
    secretNames: names,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
