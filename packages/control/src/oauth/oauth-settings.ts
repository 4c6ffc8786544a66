import type { OAuthClientConfig, OAuthConfig } from "@portcullis/contracts/oauth-config";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Tx } from "../db";

/** The one settings row of the installation's authorization server. */
export const OAUTH_SETTINGS_ID = "installation";

export type OAuthSettingsInput = Omit<OAuthConfig, "clients">;

export interface OAuthState {
  settings: OAuthSettingsInput;
  /** Pre-registered clients (DCR-registered ones are not configuration). */
  clients: OAuthClientConfig[];
}

export async function loadOAuthState(tx: Tx): Promise<OAuthState> {
  const row = await tx.oAuthSettings.findUnique({ where: { id: OAUTH_SETTINGS_ID } });
  const clients = await tx.oAuthClient.findMany({
    where: { source: "preregistered" },
    orderBy: { id: "asc" },
  });
  return {
    settings: {
      dynamicClientRegistration: row?.dynamicRegistration ?? false,
      accessTokenTtl: row?.accessTokenTtlSec ?? 600,
      refreshTokenTtl: row?.refreshTokenTtlSec ?? 14 * 24 * 3600,
    },
    clients: clients.map((c) => ({ id: c.id, name: c.name, redirectUris: c.redirectUris })),
  };
}

/** Writes the settings (console or apply file); the authorization server reads them within a second. */
export async function setOAuthSettings(
  tx: Tx,
  input: { orgId: string; actor: Actor; settings: OAuthSettingsInput },
): Promise<void> {
  const data = {
    dynamicRegistration: input.settings.dynamicClientRegistration,
    accessTokenTtlSec: input.settings.accessTokenTtl,
    refreshTokenTtlSec: input.settings.refreshTokenTtl,
  };
  await tx.oAuthSettings.upsert({
    where: { id: OAUTH_SETTINGS_ID },
    create: { id: OAUTH_SETTINGS_ID, ...data },
    update: data,
  });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: "oauth_settings.update",
    targetType: "oauth_settings",
    targetId: OAUTH_SETTINGS_ID,
    details: { ...input.settings },
  });
}

const isLoopbackHttp = (uri: string) => new URL(uri).protocol === "http:";

/** oidc-provider client metadata of a pre-registered client: public, code + PKCE, exact redirect URIs. */
function clientMetadata(client: OAuthClientConfig) {
  return {
    client_id: client.id,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    // Native apps redirect to loopback over http; everything else is a web client on https.
    application_type: client.redirectUris.some(isLoopbackHttp) ? "native" : "web",
    scope: "openid offline_access mcp",
  };
}

export async function putOAuthClient(
  tx: Tx,
  input: { orgId: string; actor: Actor; client: OAuthClientConfig },
): Promise<void> {
  const { client } = input;
  const existing = await tx.oAuthClient.findUnique({ where: { id: client.id } });
  const data = {
    name: client.name,
    redirectUris: client.redirectUris,
    source: "preregistered",
    metadata: clientMetadata(client),
  };
  await tx.oAuthClient.upsert({ where: { id: client.id }, create: { id: client.id, ...data }, update: data });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: existing ? "oauth_client.update" : "oauth_client.create",
    targetType: "oauth_client",
    targetId: client.id,
    details: { name: client.name, redirectUris: client.redirectUris },
  });
}

export async function deleteOAuthClient(
  tx: Tx,
  input: { orgId: string; actor: Actor; clientId: string },
): Promise<void> {
  await tx.oAuthClient.deleteMany({ where: { id: input.clientId } });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: "oauth_client.delete",
    targetType: "oauth_client",
    targetId: input.clientId,
  });
}
