import { newId } from "@portcullis/contracts/ids";
import type { ConnectionTestResult } from "@portcullis/contracts/jobs";
import type { OutboundGuard } from "@portcullis/upstream/outbound-guard";
import { formatCommandLine } from "@portcullis/upstream/stdio-launch";
import type { UpstreamSpec } from "@portcullis/upstream/types";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findServer } from "./find-server";
import { probeConnection } from "./probe-connection";
import {
  applyServerChanges,
  credentialsDropped,
  draftFromFields,
  draftFromRow,
  type ServerChanges,
  type ServerDraft,
  type ServerFields,
  serverRowData,
  validateServerDraft,
} from "./server-draft";
import { toUpstreamSpec } from "./server-spec";

export type { ConnectionTestResult } from "@portcullis/contracts/jobs";

export type ConnectionTestTarget = { spec: ServerFields } | { id: string; changes?: ServerChanges };

export interface ConnectionTestDeps {
  /** The SSRF guard of the process running HTTP tests (the console's PORTCULLIS_OUTBOUND_ALLOW). */
  outbound: OutboundGuard;
  /**
   * Runs a stdio test where stdio servers may start: the worker (a `server.connection_test`
   * job). The console process never starts a program.
   */
  testStdio(orgId: string, spec: UpstreamSpec): Promise<ConnectionTestResult>;
}

/**
 * Connects to a server (a saved one, a saved one with unsaved edits, or an unsaved spec),
 * pings it and lists its tools; nothing about the server is stored. Stored credentials go
 * only to the origin they were stored for (see applyServerChanges). Every test is audited
 * (`server.test_connection`), with the URL or the exact command line.
 */
export async function testServerConnection(
  db: Db,
  input: { orgId: string; actor: Actor; secretKey: Buffer; target: ConnectionTestTarget },
  deps: ConnectionTestDeps,
): Promise<ConnectionTestResult> {
  let draft: ServerDraft;
  let id: string;
  let savedId: string | null = null;
  let dropped = false;
  if ("spec" in input.target) {
    draft = draftFromFields(input.target.spec);
    id = newId("server");
  } else {
    const row = await findServer(db, input.orgId, input.target.id);
    const stored = draftFromRow(row, input.secretKey);
    const changes = input.target.changes ?? {};
    draft = applyServerChanges(stored, changes);
    dropped = credentialsDropped(stored, draft, changes);
    id = row.id;
    savedId = row.id;
  }
  validateServerDraft(draft);

  const spec = upstreamSpecOf(id, draft, input.secretKey);
  const result =
    spec.transport === "stdio"
      ? await deps.testStdio(input.orgId, spec)
      : await probeConnection(spec, { outbound: deps.outbound }, "portcullis-console");

  await db.$transaction((tx) =>
    recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "server.test_connection",
      targetType: "server",
      targetId: savedId,
      // What was contacted, never with which credentials.
      details: {
        name: draft.name,
        transport: draft.transport,
        ...(draft.transport === "stdio"
          ? { commandLine: formatCommandLine(draft.command ?? "", draft.args) }
          : { url: draft.url }),
        ok: result.ok,
        ...(result.error !== undefined && { error: result.error }),
        ...(dropped && { credentialsDroppedForNewHost: true }),
      },
    }),
  );
  return result;
}

/** Exactly what catalog sync would use: sealed and opened like a stored server. */
function upstreamSpecOf(id: string, draft: ServerDraft, secretKey: Buffer): UpstreamSpec {
  return toUpstreamSpec({ id, ...serverRowData(draft, secretKey), env: null }, secretKey);
}
