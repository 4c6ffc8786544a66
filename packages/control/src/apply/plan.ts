import type { Actor } from "../admin-audit/actor";
import type { Tx } from "../db";

export type PlanKind =
  | "organization"
  | "server"
  | "team"
  | "agent"
  | "grant"
  | "toolRisk"
  | "tool"
  | "policy"
  | "portal"
  | "oauthSettings"
  | "oauthClient";

/** One line of an apply plan. */
export interface PlanChange {
  action: "create" | "update" | "delete";
  kind: PlanKind;
  /** The entry's identity: its name, `team:platform/everything/echo` for a grant, `server/tool` for a risk. */
  name: string;
  /** For updates: the fields that differ. */
  fields?: string[];
  /**
   * Set when the change waits for something outside this apply: a risk override for a
   * tool the catalog does not list yet is applied after the server's catalog sync.
   */
  deferred?: string;
  /**
   * Set when the file asks for something this apply refuses to do, and why: approving a
   * definition that is not the tool's current one, enabling a tool whose definition awaits
   * review. Nothing is written for it; the rest of the file is applied (see planTools).
   */
  warning?: string;
}

/** The changes an apply makes (or, in a dry run, would make), in execution order. Empty: nothing to do. */
export type ApplyPlan = PlanChange[];

/** Ids by name, seeded from the installation and extended as the apply creates entries. */
export interface ApplyContext {
  orgId: string;
  secretKey: Buffer;
  createdBy: string;
  /** Who applies the file, for the console use cases an operation runs (they audit themselves). */
  actor: Actor;
  serverIds: Map<string, string>;
  teamIds: Map<string, string>;
  agentIds: Map<string, string>;
  /** People by normalized email (the apply file never creates people: they sign in). */
  userIds: Map<string, string>;
}

/** A planned change and how to carry it out. */
export interface Operation {
  change: PlanChange;
  /** Extra facts for the AdminAuditLog row (never secret values). */
  details?: Record<string, unknown>;
  /** Performs the change; returns the id of the row it touched, for the audit log. */
  run?: (tx: Tx, ctx: ApplyContext) => Promise<string | null>;
  /**
   * `run` writes its own AdminAuditLog row: it is the console's use case, whose audit action
   * (`tool.enable`, `tool.approve_definition`…) the apply must not restate differently.
   */
  auditedByRun?: true;
}

/** A change that writes something now (not deferred to a catalog sync, not refused). */
export function isEffective(change: PlanChange): boolean {
  return change.deferred === undefined && change.warning === undefined;
}
