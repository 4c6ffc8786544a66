-- People's calls wait for approval too (issue 11). A person's request names no agent
-- (agent_id is null) but the OAuth client it came through (client_id, client_name as
-- the client called itself then), and the person as requester (on_behalf_of). team_ids
-- lists the teams whose approvers may decide it: an agent's one team, or each team of
-- the person whose grant gives them the tool. Older rows keep team_id only.

-- AlterTable
ALTER TABLE "approval_requests" ALTER COLUMN "agent_id" DROP NOT NULL;
ALTER TABLE "approval_requests" ADD COLUMN "client_id" TEXT;
ALTER TABLE "approval_requests" ADD COLUMN "client_name" TEXT;
ALTER TABLE "approval_requests" ADD COLUMN "team_ids" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
