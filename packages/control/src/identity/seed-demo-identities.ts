import type { Role } from "@portcullis/auth/permissions";
import { newId } from "@portcullis/contracts/ids";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { normalizeEmail } from "./normalize-email";

export interface DemoIdentity {
  email: string;
  name: string;
  role: Role;
  /**
   * Teams (by name) to make them a member of, where the team exists: an approver decides
   * only the requests of their own teams' agents.
   */
  teams?: readonly string[];
}

/**
 * Gives the demo people their roles in the demo organization (created when missing), so
 * that each demo login lands with the role the README promises, and makes them members of
 * their `teams` (those that exist; the others are reported in `missingTeams`). Idempotent:
 * re-running it resets the roles, adds missing team memberships and changes nothing else.
 * They have no SSO identity yet: the first sign-in whose email the provider verified links
 * one (see provisionUser), and from then on only that identity opens them.
 */
export async function seedDemoIdentities(
  db: Db,
  input: { orgSlug: string; users: DemoIdentity[] },
): Promise<{ orgId: string; users: Array<DemoIdentity & { userId: string }>; missingTeams: string[] }> {
  return db.$transaction(async (tx) => {
    let org = await tx.organization.findUnique({ where: { slug: input.orgSlug }, select: { id: true } });
    if (!org) {
      org = { id: newId("organization") };
      await tx.organization.create({ data: { id: org.id, slug: input.orgSlug, name: input.orgSlug } });
    }
    const orgId = org.id;
    const seeded: Array<DemoIdentity & { userId: string }> = [];
    const missingTeams = new Set<string>();
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
      for (const name of person.teams ?? []) {
        const team = await tx.team.findFirst({ where: { orgId, name }, select: { id: true } });
        if (!team) {
          missingTeams.add(name);
          continue;
        }
        const inTeam = await tx.teamMember.findUnique({
          where: { teamId_userId: { teamId: team.id, userId: user.id } },
        });
        if (inTeam) continue;
        await tx.teamMember.create({ data: { id: newId("teamMember"), teamId: team.id, userId: user.id } });
        await recordAdminChange(tx, {
          orgId,
          actor: { type: "system", name: "demo seed" },
          action: "team_member.add",
          targetType: "team",
          targetId: team.id,
          details: { team: name, email },
        });
      }
      seeded.push({ ...person, email, userId: user.id });
    }
    return { orgId, users: seeded, missingTeams: [...missingTeams] };
  });
}
