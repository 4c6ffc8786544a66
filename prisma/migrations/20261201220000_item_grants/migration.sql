-- Resources and prompts get their own grants (issue 10). Until now any tool grant on a
-- server exposed all of its resources and prompts. Existing grants keep covering tools
-- only, and no item grant is created here: after this migration an agent sees no resource
-- and no prompt until an admin grants them (console or apply file), which is the
-- default-deny the gateway applies to everything else.

-- CreateEnum
CREATE TYPE "ItemKind" AS ENUM ('resource', 'prompt');

-- CreateTable
CREATE TABLE "item_grants" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "team_id" TEXT,
    "agent_id" TEXT,
    "server_id" TEXT NOT NULL,
    "kind" "ItemKind" NOT NULL,
    "pattern" TEXT NOT NULL,
    "effect" "GrantEffect" NOT NULL,
    "reason" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "item_grants_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "item_grants_org_id_idx" ON "item_grants"("org_id");

-- CreateIndex
CREATE INDEX "item_grants_team_id_idx" ON "item_grants"("team_id");

-- CreateIndex
CREATE INDEX "item_grants_agent_id_idx" ON "item_grants"("agent_id");

-- CreateIndex
CREATE INDEX "item_grants_server_id_idx" ON "item_grants"("server_id");

-- AddForeignKey
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An item grant names exactly one subject, like a tool grant.
ALTER TABLE "item_grants" ADD CONSTRAINT "item_grants_exactly_one_subject_check" CHECK (num_nonnulls("team_id", "agent_id") = 1);
