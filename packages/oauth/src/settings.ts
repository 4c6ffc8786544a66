import type { Db } from "@portcullis/db/client";

/** The installation's authorization-server settings (console and the apply file's `oauth:` section). */
export interface OAuthSettings {
  /** Dynamic Client Registration (RFC 7591) open to anyone who can reach the AS. */
  dynamicRegistration: boolean;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
}

export const OAUTH_SETTINGS_ID = "installation";
export const DEFAULT_OAUTH_SETTINGS: OAuthSettings = {
  dynamicRegistration: false,
  accessTokenTtlSec: 600,
  refreshTokenTtlSec: 14 * 24 * 3600,
};

export async function readOAuthSettings(db: Pick<Db, "oAuthSettings">): Promise<OAuthSettings> {
  const row = await db.oAuthSettings.findUnique({ where: { id: OAUTH_SETTINGS_ID } });
  if (!row) return DEFAULT_OAUTH_SETTINGS;
  return {
    dynamicRegistration: row.dynamicRegistration,
    accessTokenTtlSec: row.accessTokenTtlSec,
    refreshTokenTtlSec: row.refreshTokenTtlSec,
  };
}
