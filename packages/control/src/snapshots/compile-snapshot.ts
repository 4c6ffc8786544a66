import {
  type ConfigSnapshot,
  configSnapshot,
  SNAPSHOT_SCHEMA_VERSION,
  type snapshotTool,
  type ToolExecution,
  toolExecution,
} from "@portcullis/contracts/snapshot";
import type { Tool } from "@portcullis/db/client";
import { effectiveRisk } from "@portcullis/policy/risk";
import { NEW_TOOL_FLAG } from "@portcullis/policy/tool-availability";
import type { z } from "zod";
import type { Tx } from "../db";
import { SNAPSHOT_PIECES, type SnapshotInput } from "./snapshot-pieces";

/**
 * Reads the whole installation (every organization) into one self-contained snapshot
 * document: what the gateway needs to authenticate, resolve and decide a call.
 *
 * - Revoked keys are absent; keys already expired at compile time too (they can never
 *   become valid again). Keys expiring later carry `expiresAt`, which the gateway checks.
 * - Upstream secrets stay sealed; only the gateway opens them.
 * - A tool's `riskClass` is the effective one (admin override wins over annotations).
 * - Rows are ordered by id so that an unchanged installation compiles to the same document.
 *
 * Accepts a transaction client so publishSnapshot can compile under its version lock.
 * `scope.orgId` compiles one organization's part only (the console's grants preview runs
 * the gateway's policy code on it); a published snapshot always covers every organization.
 */
export async function compileSnapshot(
  db: Tx,
  version: number,
  scope: {
    orgId?: string;
    /**
     * For the console's previews: no people and no keys, and tools without their
     * descriptions, schemas and annotations (a decision reads none of them), so that
     * "what can this agent see" stays fast at 5,000 tools. Never published.
     */
    preview?: boolean;
  } = {},
  now = new Date(),
): Promise<ConfigSnapshot> {
  const org = scope.orgId === undefined ? {} : { orgId: scope.orgId };
  // A preview selects only what a decision reads: at 5,000 tools, the definitions (and the
  // approved copies review keeps) are most of the bytes and of the decoding time.
  const tools: ToolRow[] = scope.preview
    ? await db.tool.findMany({ where: org, orderBy: { id: "asc" }, select: PREVIEW_TOOL_FIELDS })
    : await db.tool.findMany({ where: org, orderBy: { id: "asc" } });
  const rest = await compileSnapshotInput(db, version, scope, now);
  // The gateway refuses a document it cannot parse; failing here instead names the cause
  // while the admin is still looking, rather than leaving gateways on a stale version.
  return configSnapshot.parse({ ...rest, tools: tools.map(snapshotToolOf) });
}

/**
 * Everything of the snapshot but its tools, not yet parsed: the header and each piece of
 * snapshot-pieces.ts in turn. `now` decides which keys have expired and stamps `createdAt`.
 */
export async function compileSnapshotInput(
  db: Tx,
  version: number,
  scope: { orgId?: string; preview?: boolean } = {},
  now = new Date(),
): Promise<Omit<SnapshotInput, "tools">> {
  const document: Omit<SnapshotInput, "tools"> = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    version,
    createdAt: now.toISOString(),
    agents: [],
    keys: [],
    servers: [],
    grants: [],
  };
  for (const piece of SNAPSHOT_PIECES) Object.assign(document, await piece.compile(db, { ...scope, now }));
  return document;
}

/** A tool row as the snapshot carries it (unparsed): a pure function of the row. */
export function snapshotToolOf(t: ToolRow): z.input<typeof snapshotTool> {
  return {
    id: t.id,
    serverId: t.serverId,
    upstreamName: t.upstreamName,
    exposedName: t.exposedName,
    title: t.title,
    description: t.description ?? null,
    inputSchema: (t.inputSchema ?? {}) as Record<string, unknown>,
    outputSchema: (t.outputSchema ?? null) as Record<string, unknown> | null,
    annotations: (t.annotations ?? null) as Record<string, unknown> | null,
    ...(t.execution !== undefined && { execution: toolExecutionOf(t.execution) }),
    uiResourceUri: t.uiResourceUri,
    riskClass: effectiveRisk(t.riskClass, t.riskOverride),
    status: t.status,
    ...(t.status === "quarantined" && t.flags.includes(NEW_TOOL_FLAG) && { newTool: true }),
    definitionHash: t.definitionHash,
  };
}

const PREVIEW_TOOL_FIELDS = {
  id: true,
  serverId: true,
  upstreamName: true,
  exposedName: true,
  title: true,
  uiResourceUri: true,
  riskClass: true,
  riskOverride: true,
  status: true,
  definitionHash: true,
  flags: true,
} as const satisfies Partial<Record<keyof Tool, true>>;

/** A tool row as compiled: every field, or (preview) those a decision reads. */
export type ToolRow = Pick<Tool, keyof typeof PREVIEW_TOOL_FIELDS> &
  Partial<Pick<Tool, "description" | "inputSchema" | "outputSchema" | "annotations" | "execution">>;

/** A stored `execution` as the snapshot carries it; a malformed one (a misbehaving upstream) is none. */
function toolExecutionOf(value: unknown): ToolExecution | null {
  const parsed = toolExecution.safeParse(value);
  return parsed.success ? parsed.data : null;
}
