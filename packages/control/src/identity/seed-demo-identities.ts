import type { Role } from "@portcullis/auth/permissions";
import { newId } from "@portcullis/contracts/ids";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { normalizeEmail } from "./normalize-email";

export interface DemoIdentity {
  email: string;
  name: string;
  role: Role;
}

/**
 * Gives the demo people their roles in the demo organization (created when missing), so
 * that each demo login lands with the role the README promises. Idempotent: re-running it
 * resets the roles and changes nothing else. Their SSO identity is linked on first sign-in.
 */
export async function seedDemoIdentities(
  db: Db,
  input: { orgSlug: string; users: DemoIdentity[] },
): Promise<{ orgId: string; users: Array<DemoIdentity & { userId: string }> }> {
  return db.$transaction(async (tx) => {
    let org = await tx.organization.findUnique({ where: { slug: input.orgSlug }, select: { id: true } });
    if (!org) {
      org = { id: newId("organization") };
      await tx.organization.create({ data: { id: org.id, slug: input.orgSlug, name: input.orgSlug } });
    }
    const orgId = org.id;
    const seeded: Array<DemoIdentity & { userId: string }> = [];
    for (const person of input.users) {
      const email = normalizeEmail(person.email);
      const user = await tx.user.upsert({
        where: { email },
        create: { id: newId("user"), email, name: person.name },
        update: {},
        select: { id: true },
      });
      const before = await tx.membership.findUnique({
        where: { orgId_userId: { orgId, userId: user.id } },
        select: { role: true },
      });
      if (before?.role !== person.role) {
        await tx.membership.upsert({
          where: { orgId_userId: { orgId, userId: user.id } },
          create: { id: newId("membership"), orgId, userId: user.id, role: person.role },
          update: { role: person.role },
        });
        await recordAdminChange(tx, {
          orgId,
          actor: { type: "system", name: "demo seed" },
          action: before ? "member.set_role" : "member.add",
          targetType: "user",
          targetId: user.id,
          details: { email, role: person.role, ...(before && { previousRole: before.role }) },
        });
      }
      seeded.push({ ...person, email, userId: user.id });
    }
    return { orgId, users: seeded };
  });
}
