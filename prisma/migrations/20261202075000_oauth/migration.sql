-- People sign in from MCP clients through the console's OAuth authorization server (issue 11):
-- a member can be suspended, each client connection is a row that can be revoked, clients can be
-- pre-registered or registered dynamically, and the installation has one settings row.

-- AlterTable
ALTER TABLE "memberships" ADD COLUMN "suspended_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "oauth_connections" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "client_name" TEXT NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "grant_id" TEXT NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "resources" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    CONSTRAINT "oauth_connections_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "oauth_connections_grant_id_key" ON "oauth_connections"("grant_id");
CREATE INDEX "oauth_connections_org_id_user_id_idx" ON "oauth_connections"("org_id", "user_id");

-- CreateTable
CREATE TABLE "oauth_clients" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "redirect_uris" TEXT[],
    "source" TEXT NOT NULL,
    "metadata" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "oauth_clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_settings" (
    "id" TEXT NOT NULL,
    "dynamic_registration" BOOLEAN NOT NULL DEFAULT false,
    "access_token_ttl_sec" INTEGER NOT NULL DEFAULT 600,
    "refresh_token_ttl_sec" INTEGER NOT NULL DEFAULT 1209600,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "oauth_settings_pkey" PRIMARY KEY ("id")
);

-- A person's client connections go with the person and with the organization.
ALTER TABLE "oauth_connections" ADD CONSTRAINT "oauth_connections_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "oauth_connections" ADD CONSTRAINT "oauth_connections_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
