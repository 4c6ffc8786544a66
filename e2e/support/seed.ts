import { newId } from "@portcullis/contracts/ids";
import { createDb } from "@portcullis/db/client";
import { stack } from "./stack-env";

export interface SeededGrant {
  serverId: string;
  teamId: string;
  grantId: string;
}

/**
 * Puts a server (with one tool), a team and an allow grant straight into the e2e
 * organization, so a test about who may change grants does not depend on another test
 * having created them. Names carry `label` so tests never collide.
 */
export async function seedServerTeamGrant(label: string): Promise<SeededGrant> {
  const { databaseUrl, orgSlug } = stack();
  const db = createDb(databaseUrl, { max: 1 });
  try {
    const org = await db.organization.findUniqueOrThrow({ where: { slug: orgSlug } });
    const serverId = newId("server");
    const teamId = newId("team");
    const grantId = newId("grant");
    await db.$transaction([
      db.server.create({
        data: {
          id: serverId,
          orgId: org.id,
          name: `${label}-server`,
          transport: "streamable_http",
          url: "http://127.0.0.1:9/mcp",
        },
      }),
      db.tool.create({
        data: {
          id: newId("tool"),
          orgId: org.id,
          serverId,
          upstreamName: "lookup",
          exposedName: `${label}-server__lookup`,
          description: "Looks something up.",
          inputSchema: { type: "object" },
          riskClass: "read",
          definitionHash: "seeded",
        },
      }),
      db.team.create({ data: { id: teamId, orgId: org.id, name: `${label}-team` } }),
      db.grant.create({
        data: {
          id: grantId,
          orgId: org.id,
          teamId,
          serverId,
          toolPattern: "*",
          effect: "allow",
          createdBy: "e2e seed",
        },
      }),
    ]);
    return { serverId, teamId, grantId };
  } finally {
    await db.$disconnect();
  }
}

/** The grant's effect as stored, to prove a refused change changed nothing. */
export async function grantEffect(grantId: string): Promise<string | null> {
  const db = createDb(stack().databaseUrl, { max: 1 });
  try {
    return (await db.grant.findUnique({ where: { id: grantId } }))?.effect ?? null;
  } finally {
    await db.$disconnect();
  }
}
