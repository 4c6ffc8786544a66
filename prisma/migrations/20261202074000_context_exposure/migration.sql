-- Context cost (issue 13): how an agent's granted tools reach its context. NULL inherits
-- (its portal's setting, else full). Text with a check rather than an enum type, so the
-- portal's own exposure column can share the same values without a second type.

-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "exposure" TEXT;
ALTER TABLE "agents" ADD CONSTRAINT "agents_exposure_check" CHECK ("exposure" IN ('full', 'search', 'code'));

-- A tool call made by code mode's execute links to the execute request's event.
ALTER TABLE "audit_events" ADD COLUMN     "parent_id" TEXT;
CREATE INDEX "audit_events_parent_id_idx" ON "audit_events"("parent_id");
