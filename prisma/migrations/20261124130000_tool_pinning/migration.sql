-- Tool pinning (issue 5): keep the approved definition of each tool next to the current
-- one, so an admin reviewing a quarantined tool sees what changed. Nullable: tools approved
-- before this migration have only their approved hash.

-- AlterTable
ALTER TABLE "tools" ADD COLUMN     "approved_definition" JSONB;
