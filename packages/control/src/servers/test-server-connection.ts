import { newId } from "@portcullis/contracts/ids";
import { UpstreamPool } from "@portcullis/upstream/pool";
import type { UpstreamSpec } from "@portcullis/upstream/types";
import type { Tx } from "../db";
import { findServer } from "./find-server";
import {
  applyServerChanges,
  draftFromFields,
  draftFromRow,
  type ServerChanges,
  type ServerDraft,
  type ServerFields,
  serverRowData,
  validateServerDraft,
} from "./server-draft";
import { toUpstreamSpec } from "./server-spec";

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number | null;
  protocolVersion: string | null;
  toolCount: number | null;
  /** The first tool names, so the admin sees they reached the right server. */
  toolNames: string[];
  error?: string;
}

export type ConnectionTestTarget = { spec: ServerFields } | { id: string; changes?: ServerChanges };

/**
 * Connects to a server (a saved one, a saved one with unsaved edits, or an unsaved spec),
 * pings it and lists its tools. An unreachable server is a result (`ok: false` with the
 * reason), not an error: telling the admin why is the point. Nothing is stored.
 *
 * A pool of its own per test, closed afterwards: a stdio command is started and stopped,
 * and no connection of a half-typed configuration lingers.
 */
export async function testServerConnection(
  db: Tx,
  input: { orgId: string; secretKey: Buffer; target: ConnectionTestTarget },
): Promise<ConnectionTestResult> {
  let draft: ServerDraft;
  let id: string;
  if ("spec" in input.target) {
    draft = draftFromFields(input.target.spec);
    id = newId("server");
  } else {
    const row = await findServer(db, input.orgId, input.target.id);
    draft = applyServerChanges(draftFromRow(row, input.secretKey), input.target.changes ?? {});
    id = row.id;
  }
  validateServerDraft(draft);

  const pool = new UpstreamPool({ clientInfo: { name: "portcullis-console", version: "0.0.0" } });
  try {
    const spec = upstreamSpecOf(id, draft, input.secretKey);
    const ping = await pool.ping(spec);
    const tools = await pool.listTools(spec);
    return {
      ok: true,
      latencyMs: ping.latencyMs,
      protocolVersion: ping.protocolVersion ?? null,
      toolCount: tools.length,
      toolNames: tools.slice(0, 10).map((t) => t.name),
    };
  } catch (error) {
    return {
      ok: false,
      latencyMs: null,
      protocolVersion: null,
      toolCount: null,
      toolNames: [],
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await pool.close();
  }
}

/** Exactly what catalog sync would use: sealed and opened like a stored server. */
function upstreamSpecOf(id: string, draft: ServerDraft, secretKey: Buffer): UpstreamSpec {
  return toUpstreamSpec({ id, ...serverRowData(draft, secretKey), env: null }, secretKey);
}
