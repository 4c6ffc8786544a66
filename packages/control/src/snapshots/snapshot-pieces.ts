import { toolExposure } from "@portcullis/contracts/exposure";
import {
  type configSnapshot,
  policyScope,
  type SnapshotItemGrant,
  type SnapshotServer,
} from "@portcullis/contracts/snapshot";
import type { ItemGrant } from "@portcullis/db/client";
import type { z } from "zod";
import type { Tx } from "../db";
import { snapshotPortalOf } from "../portals/stored-portal";
import { toContractTransport } from "../servers/transport";
import { compilePeople, compileRevokedOAuthGrants } from "./compile-people";

/** The snapshot as compiled, before the schema parses it (fields it defaults may be absent). */
export type SnapshotInput = z.input<typeof configSnapshot>;

/** What a piece is compiled for: `compileSnapshot`'s scope, and the time keys expire against. */
export interface PieceScope {
  orgId?: string;
  preview?: boolean;
  now: Date;
}

/** The lists of a snapshot a piece fills (everything but the header and the tools). */
export type PieceKey = Exclude<keyof SnapshotInput, "schemaVersion" | "version" | "createdAt" | "tools">;

/**
 * One part of the snapshot compiled from a few tables. `tables` are every table its result
 * depends on: publishing reuses a piece while their fingerprints are unchanged
 * (compile-for-publish.ts); `null` means it depends on the time as well (a key expires, a
 * revocation ages out), so it is always compiled afresh. A query added here that reads
 * another table must name that table, or a change to it would not be published.
 */
export interface SnapshotPiece {
  name: string;
  tables: readonly string[] | null;
  compile(db: Tx, scope: PieceScope): Promise<Partial<Pick<SnapshotInput, PieceKey>>>;
}

const orgOf = (scope: PieceScope) => (scope.orgId === undefined ? {} : { orgId: scope.orgId });

export const SNAPSHOT_PIECES: readonly SnapshotPiece[] = [
  {
    name: "agents",
    tables: ["agents", "teams"],
    async compile(db, scope) {
      const agents = await db.agent.findMany({
        where: orgOf(scope),
        include: { team: { select: { name: true } } },
        orderBy: { id: "asc" },
      });
      return {
        agents: agents.map((a) => ({
          id: a.id,
          orgId: a.orgId,
          name: a.name,
          teamId: a.teamId,
          teamName: a.team.name,
          status: a.status,
          // Only when set, so a snapshot of agents nobody configured reads as before (inherit).
          ...(a.exposure !== null && { exposure: toolExposure.parse(a.exposure) }),
        })),
      };
    },
  },
  {
    name: "keys",
    tables: null,
    async compile(db, scope) {
      const keys = await db.apiKey.findMany({
        where: {
          ...orgOf(scope),
          ...(scope.preview && { id: { in: [] } }),
          revokedAt: null,
          OR: [{ expiresAt: null }, { expiresAt: { gt: scope.now } }],
        },
        select: { id: true, agentId: true, hash: true, expiresAt: true },
        orderBy: { id: "asc" },
      });
      return {
        keys: keys.map((k) => ({
          id: k.id,
          agentId: k.agentId,
          hash: k.hash,
          expiresAt: k.expiresAt?.toISOString() ?? null,
        })),
      };
    },
  },
  {
    name: "servers",
    tables: ["servers"],
    async compile(db, scope) {
      const servers = await db.server.findMany({ where: orgOf(scope), orderBy: { id: "asc" } });
      return {
        servers: servers.map((s) => ({
          id: s.id,
          orgId: s.orgId,
          name: s.name,
          transport: toContractTransport(s.transport),
          url: s.url,
          command: s.command,
          args: s.args,
          env: stringRecord(s.env),
          network: s.network,
          allowElicitation: s.allowElicitation,
          allowSampling: s.allowSampling,
          secrets: s.secrets,
          timeoutMs: s.timeoutMs,
          status: s.status,
        })),
      };
    },
  },
  {
    name: "grants",
    tables: ["grants"],
    async compile(db, scope) {
      const grants = await db.grant.findMany({ where: orgOf(scope), orderBy: { id: "asc" } });
      return {
        grants: grants.map((g) => ({
          id: g.id,
          orgId: g.orgId,
          teamId: g.teamId,
          agentId: g.agentId,
          userId: g.userId,
          serverId: g.serverId,
          toolPattern: g.toolPattern,
          effect: g.effect,
          approvalTimeoutSec: g.approvalTimeoutSec,
          reason: g.reason,
          ...(g.condition !== null && { condition: g.condition }),
        })),
      };
    },
  },
  {
    name: "itemGrants",
    tables: ["item_grants"],
    async compile(db, scope) {
      const itemGrants = await db.itemGrant.findMany({ where: orgOf(scope), orderBy: { id: "asc" } });
      return {
        resourceGrants: itemGrants.filter((g) => g.kind === "resource").map(snapshotItemGrant),
        promptGrants: itemGrants.filter((g) => g.kind === "prompt").map(snapshotItemGrant),
      };
    },
  },
  {
    name: "policies",
    tables: ["policies"],
    async compile(db, scope) {
      const policies = await db.policy.findMany({
        where: { ...orgOf(scope), enabled: true },
        orderBy: [{ priority: "asc" }, { id: "asc" }],
      });
      return {
        policies: policies.map((p) => ({
          id: p.id,
          orgId: p.orgId,
          name: p.name,
          kind: p.kind,
          priority: p.priority,
          scope: policyScope.parse(p.scope ?? {}),
          config: (p.config ?? {}) as Record<string, unknown>,
        })),
      };
    },
  },
  {
    name: "portals",
    tables: ["portals"],
    async compile(db, scope) {
      const portals = await db.portal.findMany({ where: orgOf(scope), orderBy: { id: "asc" } });
      return { portals: portals.map(snapshotPortalOf) };
    },
  },
  {
    name: "people",
    tables: ["memberships", "users", "team_members", "teams"],
    async compile(db, scope) {
      return { people: scope.preview ? [] : await compilePeople(db, scope) };
    },
  },
  {
    name: "revokedOAuthGrants",
    tables: null,
    async compile(db, scope) {
      return {
        revokedOAuthGrants: scope.preview ? [] : await compileRevokedOAuthGrants(db, scope.now, scope),
      };
    },
  },
];

function stringRecord(value: unknown): SnapshotServer["env"] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** A resource or prompt grant row as the snapshot carries it (approve is refused when written). */
function snapshotItemGrant(g: ItemGrant): SnapshotItemGrant {
  return {
    id: g.id,
    orgId: g.orgId,
    teamId: g.teamId,
    agentId: g.agentId,
    userId: g.userId,
    serverId: g.serverId,
    pattern: g.pattern,
    effect: g.effect === "allow" ? "allow" : "deny",
    reason: g.reason,
  };
}
