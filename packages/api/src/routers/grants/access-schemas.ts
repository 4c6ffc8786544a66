import { ACCESS_EFFECTS } from "@portcullis/control/grants/access/access-filter";
import { PRINCIPAL_KINDS } from "@portcullis/control/grants/access/principals";
import { z } from "zod";
import { entityId } from "../inputs";

export const grantEffect = z.enum(["allow", "approve", "deny"]);
export const accessEffect = z.enum(ACCESS_EFFECTS);
export const riskClass = z.enum(["read", "write", "destructive"]);
export const principalRef = z.object({ type: z.enum(PRINCIPAL_KINDS), id: entityId });

/** Which tools a view or a bulk change covers; every field optional. */
export const toolFilter = z.object({
  serverId: entityId.optional(),
  toolPattern: z.string().trim().max(200).optional(),
  risk: z.array(riskClass).max(3).optional(),
  effect: z.array(accessEffect).max(4).optional(),
});

export const counts = z.object({
  allow: z.number().int(),
  approve: z.number().int(),
  deny: z.number().int(),
  none: z.number().int(),
});

export const grantRef = z.object({
  id: z.string(),
  toolPattern: z.string(),
  effect: grantEffect,
  inherited: z.boolean(),
});

export const principalView = z.object({
  type: z.enum(PRINCIPAL_KINDS),
  id: z.string(),
  name: z.string(),
  team: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** A person's teams (empty for teams and agents). */
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
  status: z.enum(["active", "disabled"]),
});

export const toolStatus = z.enum(["active", "disabled", "quarantined", "removed"]);
