import { newId } from "@portcullis/contracts/ids";
import { setTeamWebhookInTx } from "../approvals/set-team-webhook";
import { hasTeamWebhook, openTeamWebhook, type StoredTeamWebhook } from "../approvals/team-webhook";
import { fieldChanges } from "../change-plan/field-changes";
import type { DesiredAgent, DesiredTeam } from "./desired-state";
import type { InstalledAgent, InstalledTeam } from "./load-installation";
import type { Operation } from "./plan";

/**
 * Team creates/updates (before agents) and deletes (after agents left them). A team's
 * webhook goes through the console's setTeamWebhook (same validation, sealing and audit
 * actions); its URL is compared by value, never shown: the plan says `fields: ["webhook"]`.
 */
export function planTeams(
  current: InstalledTeam[],
  desired: DesiredTeam[],
  secretKey: Buffer,
): { upserts: Operation[]; deletes: Operation[] } {
  const byName = new Map(current.map((t) => [t.name, t]));
  const wanted = new Set(desired.map((t) => t.name));
  const upserts: Operation[] = [];
  for (const want of desired) {
    const row = byName.get(want.name);
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "team", name: want.name },
        run: async (tx, ctx) => {
          const id = newId("team");
          await tx.team.create({
            data: { id, orgId: ctx.orgId, name: want.name, description: want.description },
          });
          ctx.teamIds.set(want.name, id);
          return id;
        },
      });
      if (want.webhook !== null) upserts.push(webhookChange(want));
      continue;
    }
    if (row.description !== want.description) {
      upserts.push({
        change: { action: "update", kind: "team", name: want.name, fields: ["description"] },
        details: { changes: fieldChanges(row, want, ["description"]) },
        run: async (tx) => {
          await tx.team.update({ where: { id: row.id }, data: { description: want.description } });
          return row.id;
        },
      });
    }
    if (!webhookMatches(row.webhook, want.webhook, secretKey)) upserts.push(webhookChange(want));
  }
  const deletes: Operation[] = current
    .filter((t) => !wanted.has(t.name))
    .map((row) => ({
      change: { action: "delete", kind: "team", name: row.name },
      run: async (tx) => {
        await tx.team.delete({ where: { id: row.id } });
        return row.id;
      },
    }));
  return { upserts, deletes };
}

function webhookChange(want: DesiredTeam): Operation {
  return {
    change: { action: "update", kind: "team", name: want.name, fields: ["webhook"] },
    auditedByRun: true,
    run: async (tx, ctx) => {
      const { teamId } = await setTeamWebhookInTx(tx, {
        orgId: ctx.orgId,
        teamId: ctx.teamIds.get(want.name)!,
        url: want.webhook,
        actor: ctx.actor,
        secretKey: ctx.secretKey,
        source: "apply",
      });
      return teamId;
    },
  };
}

/**
 * Sealing is randomized, so the stored URL is opened and compared with the file's. One that
 * no longer opens (the key changed) or is still in the legacy plaintext column counts as
 * different, so the apply seals it under the current key.
 */
function webhookMatches(stored: StoredTeamWebhook, desired: string | null, secretKey: Buffer): boolean {
  if (!hasTeamWebhook(stored)) return desired === null;
  if (stored.webhookSecret === null) return false;
  try {
    return openTeamWebhook(stored, secretKey) === desired;
  } catch {
    return false;
  }
}

/**
 * Agent deletes, then creates and updates. Deleting an agent also deletes its API keys and
 * grants (cascade): that is what removing it from the file means.
 */
export function planAgents(current: InstalledAgent[], desired: DesiredAgent[]): Operation[] {
  const byName = new Map(current.map((a) => [a.name, a]));
  const wanted = new Set(desired.map((a) => a.name));
  const ops: Operation[] = current
    .filter((a) => !wanted.has(a.name))
    .map((row) => ({
      change: { action: "delete", kind: "agent", name: row.name },
      details: { team: row.team },
      run: async (tx) => {
        await tx.agent.delete({ where: { id: row.id } });
        return row.id;
      },
    }));

  for (const want of desired) {
    const row = byName.get(want.name);
    if (!row) {
      ops.push({
        change: { action: "create", kind: "agent", name: want.name },
        details: { team: want.team },
        run: async (tx, ctx) => {
          const id = newId("agent");
          await tx.agent.create({
            data: {
              id,
              orgId: ctx.orgId,
              teamId: ctx.teamIds.get(want.team)!,
              name: want.name,
              description: want.description,
              status: want.status,
              exposure: want.exposure,
            },
          });
          ctx.agentIds.set(want.name, id);
          return id;
        },
      });
      continue;
    }
    const fields = (["team", "description", "status", "exposure"] as const).filter((f) => row[f] !== want[f]);
    if (fields.length === 0) continue;
    ops.push({
      change: { action: "update", kind: "agent", name: want.name, fields: [...fields] },
      details: { changes: fieldChanges(row, want, [...fields]) },
      run: async (tx, ctx) => {
        await tx.agent.update({
          where: { id: row.id },
          data: {
            teamId: ctx.teamIds.get(want.team)!,
            description: want.description,
            status: want.status,
            exposure: want.exposure,
          },
        });
        return row.id;
      },
    });
  }
  return ops;
}
