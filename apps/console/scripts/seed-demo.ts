// `npm run demo`: gives the dev OpenID provider's demo people their roles in the demo
// organization (the one `portcullis apply` created), so each demo login shows its role, and
// makes the approver a member of the demo team (approvers decide their own teams' requests).
// Usage: tsx apps/console/scripts/seed-demo.ts   (reads DATABASE_URL)
import { isAppError } from "@portcullis/contracts/errors";
import { seedDemoIdentities } from "@portcullis/control/identity/seed-demo-identities";
import { resolveOrganization } from "@portcullis/control/organizations/resolve-organization";
import { createDb } from "@portcullis/db/client";
import { z } from "zod";

export const DEMO_IDENTITIES = [
  { email: "admin@example.com", name: "Ada Admin", role: "admin" },
  { email: "approver@example.com", name: "Arlo Approver", role: "approver", teams: ["platform"] },
  { email: "auditor@example.com", name: "Audra Auditor", role: "auditor" },
  { email: "member@example.com", name: "Max Member", role: "member" },
] as const;

const env = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL"),
    DEMO_ORG_SLUG: z.string().optional(),
  })
  .parse(process.env);

const db = createDb(env.DATABASE_URL, { max: 1 });
try {
  let orgSlug = env.DEMO_ORG_SLUG;
  if (!orgSlug) {
    orgSlug = await resolveOrganization(db).then(
      (org) => org.slug,
      (error) => {
        // No organization yet: the seed creates the one a first apply would.
        if (isAppError(error) && error.code === "NOT_FOUND") return "default";
        throw error;
      },
    );
  }
  const seeded = await seedDemoIdentities(db, { orgSlug, users: DEMO_IDENTITIES.map((u) => ({ ...u })) });
  if (seeded.missingTeams.length > 0) {
    process.stderr.write(
      `demo seed: no team ${seeded.missingTeams.join(", ")} in ${orgSlug} (apply demo/portcullis.yaml first): the demo approver is in no team and can decide no request\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ orgSlug, users: seeded.users.map((u) => `${u.email}=${u.role}`) })}\n`,
  );
} finally {
  await db.$disconnect();
}
