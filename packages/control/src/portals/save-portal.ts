import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { type ConfigPortal, configPortal } from "@portcullis/contracts/portal";
import type { PortalProblem } from "@portcullis/policy/portal-tools";
import type { Actor } from "../admin-audit/actor";
import { actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { canonicalJson } from "../canonical-json";
import { formatConfigPath } from "../change-plan/config-path";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { loadPortalCatalog, resolvePortal } from "./resolve-portal";
import { type StoredPortalValues, storedPortalValues } from "./stored-portal";

/** Every problem of a portal in one INVALID_INPUT, each line naming its field (`overrides[0].tool`). */
export function portalProblemsError(name: string, problems: PortalProblem[]): AppError {
  const fieldErrors: Record<string, string[]> = {};
  const lines = problems.map((p) => {
    const field = formatConfigPath(p.path);
    fieldErrors[field] = [...(fieldErrors[field] ?? []), p.message];
    return `${field}: ${p.message}`;
  });
  return new AppError("INVALID_INPUT", `portal "${name}" is invalid: ${lines.join("; ")}`, {
    details: { fieldErrors, problems: lines },
  });
}

const FIELDS = ["description", "naming", "exposure", "tools", "overrides"] as const;

/**
 * Creates a portal (`id` absent) or replaces one's settings, after the checks the apply file
 * runs too (resolvePortal): nothing is written when any fails. One AdminAuditLog row, in the
 * same transaction. Returns the fields that changed (empty: nothing to publish).
 */
export async function savePortal(
  db: Db,
  input: { orgId: string; actor: Actor; id?: string; portal: ConfigPortal },
): Promise<{ id: string; name: string; changed: string[] }> {
  const parsed = configPortal.safeParse(input.portal);
  if (!parsed.success) {
    throw portalProblemsError(
      input.portal.name,
      parsed.error.issues.map((i) => ({ path: i.path as Array<string | number>, message: i.message })),
    );
  }
  const portal = parsed.data;
  try {
    return await db.$transaction(async (tx) => {
      const catalog = await loadPortalCatalog(tx, input.orgId);
      const { values, problems } = resolvePortal(portal, catalog);
      if (problems.length > 0) throw portalProblemsError(portal.name, problems);
      const sameName = await tx.portal.findFirst({ where: { orgId: input.orgId, name: portal.name } });
      if (sameName && sameName.id !== input.id) throw duplicateName("portal", portal.name);

      if (input.id === undefined) {
        const id = newId("portal");
        await tx.portal.create({
          data: {
            id,
            orgId: input.orgId,
            name: portal.name,
            ...columns(values),
            createdBy: actorLabel(input.actor),
          },
        });
        await recordAdminChange(tx, {
          orgId: input.orgId,
          actor: input.actor,
          action: "portal.create",
          targetType: "portal",
          targetId: id,
          details: { name: portal.name, naming: values.naming, exposure: values.exposure },
        });
        return { id, name: portal.name, changed: ["name", ...FIELDS] };
      }

      const row = await tx.portal.findFirst({ where: { id: input.id, orgId: input.orgId } });
      if (!row) throw new AppError("NOT_FOUND", "portal not found");
      const before = storedPortalValues(row);
      const changed = [
        ...(row.name !== portal.name ? ["name"] : []),
        ...FIELDS.filter((f) => canonicalJson(before[f]) !== canonicalJson(values[f])),
      ];
      if (changed.length === 0) return { id: row.id, name: row.name, changed };
      await tx.portal.update({ where: { id: row.id }, data: { name: portal.name, ...columns(values) } });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "portal.update",
        targetType: "portal",
        targetId: row.id,
        details: { name: portal.name, fields: changed },
      });
      return { id: row.id, name: portal.name, changed };
    });
  } catch (error) {
    throw nameConflict(error, "portal", portal.name);
  }
}

/** The row's columns for stored values (JSON columns take plain objects). */
export function columns(values: StoredPortalValues) {
  return {
    description: values.description,
    naming: values.naming,
    exposure: values.exposure,
    tools: values.tools as object[],
    overrides: values.overrides as object[],
  };
}
