-- Grants name people (issue 11): a tool, resource or prompt grant names exactly one of a
-- team, an agent or a person (user_id). A person's grants are theirs in every organization
-- they are a member of only through that organization's rows (org_id), and go with the
-- person: deleting the user deletes them, and removing the member deletes them (control).

-- AlterTable
ALTER TABLE "grants" ADD COLUMN "user_id" TEXT;

-- AlterTable
ALTER TABLE "item_grants" ADD COLUMN "user_id" TEXT;

-- CreateIndex
CREATE INDEX "grants_user_id_idx" ON "grants"("user_id");

-- CreateIndex
CREATE INDEX "item_grants_user_id_idx" ON "item_grants"("user_id");

-- AddForeignKey
ALTER TABLE "grants" ADD CONSTRAINT "grants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Still exactly one subject, now one of three.
ALTER TABLE "grants" DROP CONSTRAINT "grants_exactly_one_subject_check";
ALTER TABLE "grants" ADD CONSTRAINT "grants_exactly_one_subject_check" CHECK (num_nonnulls("team_id", "agent_id", "user_id") = 1);
ALTER TABLE "item_grants" DROP CONSTRAINT "item_grants_exactly_one_subject_check";
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_exactly_one_subject_check" CHECK (num_nonnulls("team_id", "agent_id", "user_id") = 1);
