import type { Db } from "@portcullis/db/client";
import type { Adapter, AdapterPayload } from "oidc-provider";

/**
 * Registered clients in Postgres (`oauth_clients`): pre-registered ones (console, apply file)
 * and those registered through Dynamic Client Registration, which oidc-provider writes here.
 * Client ID Metadata Document clients are fetched by the provider and never stored.
 */
export function clientAdapter(db: Db): Adapter {
  return {
    async upsert(id: string, payload: AdapterPayload) {
      const metadata = payload as Record<string, unknown>;
      const name = typeof metadata.client_name === "string" ? metadata.client_name : id;
      const redirectUris = Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as string[]) : [];
      await db.oAuthClient.upsert({
        where: { id },
        create: { id, name, redirectUris, source: "dcr", metadata: metadata as object },
        update: { name, redirectUris, metadata: metadata as object },
      });
    },
    async find(id: string) {
      const row = await db.oAuthClient.findUnique({ where: { id } });
      return row ? ({ ...(row.metadata as object), client_id: row.id } as AdapterPayload) : undefined;
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume() {},
    async destroy(id: string) {
      await db.oAuthClient.deleteMany({ where: { id } });
    },
    async revokeByGrantId() {},
  };
}
