import { AppError } from "@portcullis/contracts/errors";
import type { Tx } from "../db";

export interface OrganizationRef {
  id: string;
  slug: string;
  name: string;
}

/**
 * Finds the organization a control-plane command acts on: by id, by slug, or — when
 * neither is given — the only one. Guessing among several would act on the wrong tenant,
 * so that is an error naming the candidates.
 */
export async function resolveOrganization(
  tx: Tx,
  by: { orgId?: string; slug?: string } = {},
): Promise<OrganizationRef> {
  const select = { id: true, slug: true, name: true } as const;
  if (by.orgId !== undefined) {
    const org = await tx.organization.findUnique({ where: { id: by.orgId }, select });
    if (!org) throw new AppError("NOT_FOUND", `organization ${by.orgId} does not exist`);
    return org;
  }
  if (by.slug !== undefined) {
    const org = await tx.organization.findUnique({ where: { slug: by.slug }, select });
    if (org) return org;
    const existing = await tx.organization.findMany({
      select: { slug: true },
      take: 10,
      orderBy: { slug: "asc" },
    });
    throw new AppError(
      "NOT_FOUND",
      `organization "${by.slug}" does not exist (existing: ${existing.map((o) => o.slug).join(", ") || "none"})`,
    );
  }
  const orgs = await tx.organization.findMany({ select, take: 10, orderBy: { slug: "asc" } });
  if (orgs.length === 0) {
    throw new AppError(
      "NOT_FOUND",
      "no organization exists yet: create one with `portcullis apply -f <file>`",
    );
  }
  if (orgs.length > 1) {
    throw new AppError(
      "INVALID_INPUT",
      `several organizations exist (${orgs.map((o) => o.slug).join(", ")}): name the one to act on`,
    );
  }
  return orgs[0]!;
}
