import { seedDemoIdentities } from "@portcullis/control/identity/seed-demo-identities";
import { createDb } from "@portcullis/db/client";
import { REAL_INSTALLATION, seedLargeInstallation } from "@portcullis/testkit/large-installation";
import { stack } from "./stack-env";
import { SCALE_ADMIN } from "./users";

/**
 * The scale admin's own organization, filled with a real installation's worth (100
 * servers, 5,000 tools, 40 teams, 200 agents, 10,000 people; fewer audit events than the
 * bench's million, which the lists do not need to show their behaviour). Once per run.
 */
export async function seedScaleOrganization(): Promise<{ orgId: string }> {
  const db = createDb(stack().databaseUrl, { max: 1 });
  try {
    const existing = await db.organization.findUnique({ where: { slug: SCALE_ADMIN.orgSlug } });
    let orgId = existing?.id;
    if (!orgId || (await db.server.count({ where: { orgId } })) === 0) {
      orgId = (
        await seedDemoIdentities(db, {
          orgSlug: SCALE_ADMIN.orgSlug,
          users: [{ email: SCALE_ADMIN.email, name: SCALE_ADMIN.name, role: "admin" }],
        })
      ).orgId;
      await seedLargeInstallation(db, orgId, { ...REAL_INSTALLATION, auditEvents: 20_000 }, "e2ebig");
    }
    // A portal for the palette to find (upserted: a database seeded by an earlier run has none).
    await db.portal.upsert({
      where: { id: "e2ebig_ptl_oncall" },
      create: {
        id: "e2ebig_ptl_oncall",
        orgId,
        name: "oncall-desk",
        description: "read tools of srv-007 for the on-call rota",
        tools: [{ serverId: "e2ebig_srv_7", tools: ["get_*"] }],
      },
      update: {},
    });
    return { orgId };
  } finally {
    await db.$disconnect();
  }
}
