-- Portals (issue 9): named endpoints /mcp/<name> exposing chosen servers and tools, and
-- the portal each audit event came through (null for the default /mcp endpoint).

-- CreateTable
CREATE TABLE "portals" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "tools" JSONB NOT NULL DEFAULT '[]',
    "naming" TEXT NOT NULL DEFAULT 'prefixed',
    "exposure" TEXT NOT NULL DEFAULT 'full',
    "overrides" JSONB NOT NULL DEFAULT '[]',
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "portals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "portals_org_id_name_key" ON "portals"("org_id", "name");

-- AddForeignKey
ALTER TABLE "portals" ADD CONSTRAINT "portals_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "portal" TEXT;

-- CreateIndex
CREATE INDEX "audit_events_org_portal_idx" ON "audit_events"("org_id", "portal", "occurred_at" DESC);
