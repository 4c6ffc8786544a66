import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db, Tx } from "../db";
import { claimInvitation } from "./claim-invitation";
import { emailDomain, normalizeEmail } from "./normalize-email";

// Serializes first logins: without it, two people signing in at the same moment on a new
// installation could both become owner (or create two "default" organizations).
const PROVISIONING_LOCK = 7_150_512_302;

export interface SsoIdentity {
  email: string;
  name?: string | null;
  /**
   * The provider's `email_verified`. Without it the email links nothing: it neither opens an
   * existing person, nor claims an invitation, nor joins by email domain.
   */
  emailVerified: boolean;
  /** The provider id in the console ("oidc"). */
  provider: string;
  /** The OpenID issuer (`iss`); with the subject it is the identity. */
  issuer: string;
  /** The OpenID subject (`sub`) at the issuer. */
  providerAccountId: string;
  /** The token of the invitation link the person followed before signing in, if any. */
  invitationToken?: string;
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
 * Runs on every SSO sign-in: finds the person by their identity (issuer, subject), links a
 * new identity, and makes sure they belong to an organization.
 *
 * - The identity (issuer, sub) finds the person. An email finds nobody, with one exception:
 *   a person pre-provisioned without any identity yet (the demo seed) is claimed once by a
 *   sign-in whose email the provider verified. A person who already has an identity is never
 *   linked to another one by email, verified or not.
 * - A person who already has a membership keeps it (the oldest, when several).
 * - The first person to sign in to a new installation (no memberships anywhere) becomes
 *   owner of the existing organization (the oldest one), or of a new "default" one.
 * - Otherwise the invitation link they followed (`invitationToken`) admits them with its
 *   role, once, if their verified email is the invited one (see claimInvitation); failing
 *   that, a verified email whose domain is in an organization's autoJoinDomains joins it as
 *   member.
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
    } else if (await tx.user.findUnique({ where: { email }, select: { id: true } })) {
      // The address belongs to a person this identity may not open (see findUserId).
      throw new AppError(
        "FORBIDDEN",
        `${email} is linked to another sign-in identity in this Portcullis installation; sign in with that one, or ask an admin`,
        { details: { email, reason: "identity-taken" } },
      );
    }

    const target = await chooseOrganization(tx, email, identity);
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
      email: user.email,
      name: user.name,
      orgId: target.orgId,
      orgSlug: target.orgSlug,
      role: target.role,
      joinedVia: target.via,
    };
  });
}

async function findUserId(tx: Tx, identity: SsoIdentity, email: string): Promise<string | undefined> {
  const account = await tx.account.findFirst({
    where: { issuer: identity.issuer, providerAccountId: identity.providerAccountId },
    select: { userId: true },
  });
  if (account) return account.userId;
  // Linked before issuers were recorded: this subject at the console's one provider.
  const legacy = await tx.account.findFirst({
    where: { provider: identity.provider, issuer: null, providerAccountId: identity.providerAccountId },
    select: { id: true, userId: true },
  });
  if (legacy) {
    await tx.account.update({ where: { id: legacy.id }, data: { issuer: identity.issuer } });
    return legacy.userId;
  }
  if (!identity.emailVerified) return undefined;
  const placeholder = await tx.user.findFirst({
    where: { email, accounts: { none: {} } },
    select: { id: true },
  });
  return placeholder?.id;
}

/**
 * Creates or refreshes the user row and links the SSO identity to it. The stored email
 * follows the provider only when the provider verified it and nobody else holds it.
 */
async function upsertUser(tx: Tx, userId: string, email: string, identity: SsoIdentity) {
  const name = identity.name?.trim() || null;
  const holder = await tx.user.findUnique({ where: { email }, select: { id: true } });
  const followEmail = identity.emailVerified && (!holder || holder.id === userId);
  const user = await tx.user.upsert({
    where: { id: userId },
    create: { id: userId, email, name, emailVerified: identity.emailVerified ? new Date() : null },
    // Keep a name the provider stopped sending.
    update: {
      ...(followEmail && { email, emailVerified: new Date() }),
      ...(name !== null && { name }),
    },
  });
  const linked = await tx.account.findFirst({
    where: { issuer: identity.issuer, providerAccountId: identity.providerAccountId },
    select: { id: true },
  });
  if (!linked) {
    await tx.account.create({
      data: {
        id: newId("account"),
        userId,
        type: "oidc",
        provider: identity.provider,
        issuer: identity.issuer,
        providerAccountId: identity.providerAccountId,
      },
    });
  }
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
  identity: SsoIdentity,
): Promise<JoinTarget | undefined> {
  if ((await tx.membership.count()) === 0) {
    const oldest = await tx.organization.findFirst({
      orderBy: { createdAt: "asc" },
      select: { id: true, slug: true },
    });
    const org = oldest ?? (await createDefaultOrganization(tx));
    return { orgId: org.id, orgSlug: org.slug, role: "owner", via: "first-user" };
  }

  if (identity.invitationToken) {
    const claimed = await claimInvitation(tx, {
      token: identity.invitationToken,
      email,
      emailVerified: identity.emailVerified,
    });
    return { ...claimed, via: "invitation" };
  }

  const domain = emailDomain(email);
  if (identity.emailVerified && domain) {
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
