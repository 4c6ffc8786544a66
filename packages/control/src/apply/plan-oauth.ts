import type { OAuthConfig } from "@portcullis/contracts/oauth-config";
import {
  deleteOAuthClient,
  type OAuthState,
  putOAuthClient,
  setOAuthSettings,
} from "../oauth/oauth-settings";
import type { Operation } from "./plan";

/**
 * The `oauth:` section's changes. Absent, nothing changes (the settings are the installation's,
 * not one organization's). Present, the settings become exactly the file's and the
 * pre-registered clients exactly its list; clients registered by DCR are left alone.
 */
export function planOAuth(current: OAuthState, desired: OAuthConfig | undefined): Operation[] {
  if (!desired) return [];
  const ops: Operation[] = [];
  const { clients, ...settings } = desired;
  const fields = (Object.keys(settings) as (keyof typeof settings)[]).filter(
    (k) => settings[k] !== current.settings[k],
  );
  if (fields.length > 0) {
    ops.push({
      change: { action: "update", kind: "oauthSettings", name: "oauth", fields },
      auditedByRun: true,
      run: async (tx, ctx) => {
        await setOAuthSettings(tx, { orgId: ctx.orgId, actor: ctx.actor, settings });
        return null;
      },
    });
  }
  const have = new Map(current.clients.map((c) => [c.id, c]));
  for (const client of clients) {
    const old = have.get(client.id);
    const changed = old
      ? (["name", "redirectUris"] as const).filter(
          (k) => JSON.stringify(old[k]) !== JSON.stringify(client[k]),
        )
      : [];
    if (old && changed.length === 0) continue;
    ops.push({
      change: {
        action: old ? "update" : "create",
        kind: "oauthClient",
        name: client.id,
        ...(old && { fields: [...changed] }),
      },
      auditedByRun: true,
      run: async (tx, ctx) => {
        await putOAuthClient(tx, { orgId: ctx.orgId, actor: ctx.actor, client });
        return client.id;
      },
    });
  }
  const wanted = new Set(clients.map((c) => c.id));
  for (const old of current.clients) {
    if (wanted.has(old.id)) continue;
    ops.push({
      change: { action: "delete", kind: "oauthClient", name: old.id },
      auditedByRun: true,
      run: async (tx, ctx) => {
        await deleteOAuthClient(tx, { orgId: ctx.orgId, actor: ctx.actor, clientId: old.id });
        return old.id;
      },
    });
  }
  return ops;
}
