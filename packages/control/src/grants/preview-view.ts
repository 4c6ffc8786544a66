import type {
  ConfigSnapshot,
  SnapshotGrant,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { type CompiledApprovalRules, compileApprovalRules } from "@portcullis/policy/approval-rules";
import type { Tx } from "../db";
import { compileSnapshot } from "../snapshots/compile-snapshot";

/**
 * One organization compiled for the console's previews, with the indexes every preview
 * reads: what "what can this agent / person see" decides from.
 */
export interface PreviewView {
  doc: ConfigSnapshot;
  serversById: ReadonlyMap<string, SnapshotServer>;
  grantsByServer: ReadonlyMap<string, SnapshotGrant[]>;
  grantById: ReadonlyMap<string, SnapshotGrant>;
  /** The tools the gateway indexes: those whose server exists (a tool without one is skipped there too). */
  tools: readonly SnapshotTool[];
  approvalRules: CompiledApprovalRules;
}

// Every table compileSnapshot's preview reads for one organization (teams: an agent's team name).
const PREVIEW_TABLES = [
  "agents",
  "teams",
  "servers",
  "tools",
  "grants",
  "item_grants",
  "policies",
  "portals",
] as const;

/**
 * A fingerprint of those rows, without reading them: per table, the row count and the sum
 * of the rows' `xmin` (the id of the transaction that wrote each row version). Any insert,
 * update (even raw SQL that leaves `updated_at` alone) or delete changes it: a delete
 * lowers the count, and rows written since carry a transaction id above every older one,
 * so no mix of changes keeps both the count and the sum. One query, index-driven.
 */
const FINGERPRINT_SQL = `SELECT ${PREVIEW_TABLES.map(
  (t) => `(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM ${t} WHERE org_id = $1)`,
).join(" || '/' || ")} AS fingerprint`;

// Per database client (tests and benches hold several), a few organizations each.
const MAX_ORGS_PER_CLIENT = 8;
const cache = new WeakMap<object, Map<string, { fingerprint: string; view: PreviewView }>>();

/**
 * The organization compiled as a snapshot is (`compileSnapshot` with `preview`), reused
 * while its rows are unchanged: at 5,000 tools the compile (8 queries, decoding and schema
 * validation) is most of a preview's time, and an admin looks at many agents and people in
 * a row. The fingerprint is read before compiling, so a change committed meanwhile makes
 * the next call compile again; a cached view is never older than the rows it was read for.
 */
export async function previewView(db: Tx, orgId: string): Promise<PreviewView> {
  const [row] = await db.$queryRawUnsafe<Array<{ fingerprint: string }>>(FINGERPRINT_SQL, orgId);
  const fingerprint = row!.fingerprint;
  let byOrg = cache.get(db);
  if (!byOrg) {
    byOrg = new Map();
    cache.set(db, byOrg);
  }
  const hit = byOrg.get(orgId);
  if (hit?.fingerprint === fingerprint) {
    // Most recently used last: the oldest organization is the one evicted.
    byOrg.delete(orgId);
    byOrg.set(orgId, hit);
    return hit.view;
  }
  const view = indexView(await compileSnapshot(db, 0, { orgId, preview: true }));
  byOrg.delete(orgId);
  byOrg.set(orgId, { fingerprint, view });
  if (byOrg.size > MAX_ORGS_PER_CLIENT) byOrg.delete(byOrg.keys().next().value!);
  return view;
}

function indexView(doc: ConfigSnapshot): PreviewView {
  const serversById = new Map(doc.servers.map((s) => [s.id, s]));
  const grantsByServer = new Map<string, SnapshotGrant[]>();
  for (const g of doc.grants) {
    const list = grantsByServer.get(g.serverId);
    if (list) list.push(g);
    else grantsByServer.set(g.serverId, [g]);
  }
  return {
    doc,
    serversById,
    grantsByServer,
    grantById: new Map(doc.grants.map((g) => [g.id, g])),
    tools: doc.tools.filter((t) => serversById.has(t.serverId)),
    approvalRules: compileApprovalRules(doc.policies),
  };
}
