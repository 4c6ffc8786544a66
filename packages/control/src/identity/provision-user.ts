import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db, Tx } from "../db";
import { emailDomain, normalizeEmail } from "./normalize-email";

// Serializes first logins: without it, two people signing in at the same moment on a new
// installation could both become owner (or create two "default" organizations).
const PROVISIONING_LOCK = 7_150_512_302;

export interface SsoIdentity {
  email: string;
  name?: string | null;
  /** The provider's `email_verified`; joining by email domain requires it. */
  emailVerified: boolean;
  /** The provider id in the console ("oidc") and the subject there. */
  provider: string;
  providerAccountId: string;
}

export type JoinedVia = "existing" | "first-user" | "invitation" | "domain";

export interface ProvisionedMember {
  userId: string;
  email: string;
  name: string | null;
  orgId: string;
  orgSlug: string;
  role: Role;
  joinedVia: JoinedVia;
}

/**
 * Runs on every SSO sign-in: finds or creates the user, links the SSO identity, and makes
 * sure they belong to an organization.
 *
 * - A user who already has a membership keeps it (the oldest, when several).
 * - The first person to sign in to a new installation (no memberships anywhere) becomes
 *   owner of the existing organization (the oldest one), or of a new "default" one.
 * - Otherwise an open invitation for the email grants its role and is marked accepted;
 *   failing that, a verified email whose domain is in an organization's autoJoinDomains
 *   joins it as member.
 * - Anyone else is refused with FORBIDDEN, and nothing is written.
 */
export async function provisionUser(db: Db, identity: SsoIdentity): Promise<ProvisionedMember> {
  const email = normalizeEmail(identity.email);
  if (!email.includes("@")) {
    throw new AppError(
      "INVALID_INPUT",
      "the identity provider did not return an email address for this account",
    );
  }
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PROVISIONING_LOCK}::bigint)`;
    const existingUserId = await findUserId(tx, identity, email);

    if (existingUserId) {
      const membership = await primaryMembership(tx, existingUserId);
      if (membership) {
        const user = await upsertUser(tx, existingUserId, email, identity);
        return { ...membership, email: user.email, name: user.name, joinedVia: "existing" as const };
      }
    }

    const target = await chooseOrganization(tx, email, identity.emailVerified);
    if (!target) {
      throw new AppError(
        "FORBIDDEN",
        `${email} is not a member of this Portcullis installation; ask an admin for an invitation`,
        { details: { email } },
      );
    }
    const userId = existingUserId ?? newId("user");
    const user = await upsertUser(tx, userId, email, identity);
    await tx.membership.create({
      data: { id: newId("membership"), orgId: target.orgId, userId, role: target.role },
    });
    if (target.invitationId) {
      await tx.invitation.update({ where: { id: target.invitationId }, data: { acceptedAt: new Date() } });
    }
    await recordAdminChange(tx, {
      orgId: target.orgId,
      actor: { type: "user", id: userId, name: email },
      action: "member.join",
      targetType: "user",
      targetId: userId,
      details: { email, role: target.role, via: target.via, invitationId: target.invitationId ?? null },
    });
    return {
      userId,
      email,
      name: user.name,
      orgId: target.orgId,
      orgSlug: target.orgSlug,
      role: target.role,
      joinedVia: target.via,
    };
  });
}

async function findUserId(tx: Tx, identity: SsoIdentity, email: string): Promise<string | undefined> {
  const account = await tx.account.findUnique({
    where: {
      provider_providerAccountId: {
        provider: identity.provider,
        providerAccountId: identity.providerAccountId,
      },
    },
    select: { userId: true },
  });
  if (account) return account.userId;
  const user = await tx.user.findUnique({ where: { email }, select: { id: true } });
  return user?.id;
}

/** Creates or refreshes the user row and links the SSO identity to it. */
async function upsertUser(tx: Tx, userId: string, email: string, identity: SsoIdentity) {
  const name = identity.name?.trim() || null;
  const user = await tx.user.upsert({
    where: { id: userId },
    create: { id: userId, email, name, emailVerified: identity.emailVerified ? new Date() : null },
    // Keep a name the provider stopped sending; the email follows the provider.
    update: { email, ...(name !== null && { name }) },
  });
  await tx.account.upsert({
    where: {
      provider_providerAccountId: {
        provider: identity.provider,
        providerAccountId: identity.providerAccountId,
      },
    },
    create: {
      id: newId("account"),
      userId,
      type: "oidc",
      provider: identity.provider,
      providerAccountId: identity.providerAccountId,
    },
    update: {},
  });
  return user;
}

async function primaryMembership(tx: Tx, userId: string) {
  const m = await tx.membership.findFirst({
    where: { userId },
    orderBy: { createdAt: "asc" },
    include: { organization: { select: { slug: true } }, user: { select: { email: true, name: true } } },
  });
  if (!m) return undefined;
  return {
    userId,
    email: m.user.email,
    name: m.user.name,
    orgId: m.orgId,
    orgSlug: m.organization.slug,
    role: m.role as Role,
  };
}

interface JoinTarget {
  orgId: string;
  orgSlug: string;
  role: Role;
  via: Exclude<JoinedVia, "existing">;
  invitationId?: string;
}

async function chooseOrganization(
  tx: Tx,
  email: string,
  emailVerified: boolean,
): Promise<JoinTarget | undefined> {
  if ((await tx.membership.count()) === 0) {
    const oldest = await tx.organization.findFirst({
      orderBy: { createdAt: "asc" },
      select: { id: true, slug: true },
    });
    const org = oldest ?? (await createDefaultOrganization(tx));
    return { orgId: org.id, orgSlug: org.slug, role: "owner", via: "first-user" };
  }

  const invitation = await tx.invitation.findFirst({
    where: { email, acceptedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    include: { organization: { select: { slug: true } } },
  });
  if (invitation) {
    return {
      orgId: invitation.orgId,
      orgSlug: invitation.organization.slug,
      role: invitation.role as Role,
      via: "invitation",
      invitationId: invitation.id,
    };
  }

  const domain = emailDomain(email);
  if (emailVerified && domain) {
    const org = await tx.organization.findFirst({
      where: { autoJoinDomains: { has: domain } },
      orderBy: { createdAt: "asc" },
      select: { id: true, slug: true },
    });
    if (org) return { orgId: org.id, orgSlug: org.slug, role: "member", via: "domain" };
  }
  return undefined;
}

async function createDefaultOrganization(tx: Tx): Promise<{ id: string; slug: string }> {
  const id = newId("organization");
  await tx.organization.create({ data: { id, slug: "default", name: "Default" } });
  await recordAdminChange(tx, {
    orgId: id,
    actor: { type: "system" },
    action: "organization.create",
    targetType: "organization",
    targetId: id,
    details: { slug: "default", reason: "first sign-in to a new installation" },
  });
  return { id, slug: "default" };
}
