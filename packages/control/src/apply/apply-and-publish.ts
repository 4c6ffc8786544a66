import type { ConfigFile } from "@portcullis/contracts/config-file";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { Redis } from "ioredis";
import { actorLabel } from "../admin-audit/actor";
import type { Db } from "../db";
import { type CatalogSyncResult, syncServerCatalog } from "../servers/sync-catalog";
import { publishSnapshot, republishLatest } from "../snapshots/publish-snapshot";
import { type ApplyOptions, applyConfig } from "./apply-config";
import { type ApplyPlan, isEffective } from "./plan";

export interface ApplyAndPublishDeps {
  db: Db;
  redis: Redis;
  names: RedisNames;
  pool: UpstreamPool;
  secretKey: Buffer;
}

export interface ApplyAndPublishResult {
  plan: ApplyPlan;
  /** Catalog sync outcome per server name; a failed sync is reported, not thrown. */
  syncs: Record<string, CatalogSyncResult | { error: string }>;
  /**
   * The snapshot the gateways now serve (`published`: a new version was made by this
   * apply, rather than the latest one confirmed in Redis); null for a dry run.
   */
  snapshot: { version: number; published: boolean } | null;
}

/**
 * What `portcullis apply` does: applies the file, syncs the catalogs of the active servers
 * it created or changed, applies tool settings that waited for those catalogs, and
 * publishes a snapshot so gateways pick the change up. An unreachable server does not
 * fail the apply (the configuration is stored; its catalog is synced later).
 * When nothing changed, no new version is published; Redis is only checked to hold the latest.
 */
export async function applyAndPublish(
  deps: ApplyAndPublishDeps,
  file: ConfigFile,
  opts: Omit<ApplyOptions, "secretKey">,
): Promise<ApplyAndPublishResult> {
  const applyOpts: ApplyOptions = { ...opts, secretKey: deps.secretKey };
  let plan = await applyConfig(deps.db, file, applyOpts);
  if (opts.dryRun) return { plan, syncs: {}, snapshot: null };

  const syncs: ApplyAndPublishResult["syncs"] = {};
  const toSync = new Set(plan.filter((c) => c.kind === "server" && c.action !== "delete").map((c) => c.name));
  for (const change of plan) {
    if (change.deferred) toSync.add(change.name.split("/")[0]!);
  }
  if (toSync.size > 0) {
    const servers = await deps.db.server.findMany({
      where: {
        name: { in: [...toSync] },
        status: "active",
        ...(file.organization !== undefined && { organization: { slug: file.organization } }),
      },
      select: { id: true, name: true },
    });
    await Promise.all(
      servers.map(async (server) => {
        try {
          syncs[server.name] = await syncServerCatalog(deps.db, deps.pool, server.id, {
            secretKey: deps.secretKey,
            actor: opts.actor,
          });
        } catch (error) {
          syncs[server.name] = { error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  // Policies scoped to tools of a just-synced server store those tools' ids only now.
  const policyWaitsForCatalog =
    toSync.size > 0 && plan.some((c) => c.kind === "policy" && c.action !== "delete");
  if (plan.some((c) => c.deferred) || policyWaitsForCatalog) {
    // The catalogs now list the tools the overrides name (when their sync succeeded).
    const followUp = await applyConfig(deps.db, file, applyOpts);
    // The follow-up plans everything again: its warnings replace the first ones.
    plan = [...plan.filter(isEffective), ...followUp];
  }

  const catalogChanged = Object.values(syncs).some(
    (s) => !("error" in s) && s.added.length + s.changed.length + s.removed.length > 0,
  );
  if (plan.some(isEffective) || catalogChanged) {
    const published = await publishSnapshot(deps.db, deps.redis, deps.names, {
      secretKey: deps.secretKey,
      createdBy: actorLabel(opts.actor),
      summary: `apply: ${plan.filter(isEffective).length} change(s)`,
    });
    return { plan, syncs, snapshot: { version: published.version, published: true } };
  }
  const latest = await republishLatest(deps.db, deps.redis, deps.names, deps.secretKey);
  return { plan, syncs, snapshot: { version: latest.version, published: false } };
}
