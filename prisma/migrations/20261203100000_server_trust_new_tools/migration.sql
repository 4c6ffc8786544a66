-- A tool that first appears after a server's first catalog sync waits for an administrator's
-- review (issue 10 point 12) unless the server is marked to trust new tools. Existing
-- servers keep to the safe default.

-- AlterTable
ALTER TABLE "servers" ADD COLUMN     "trust_new_tools" BOOLEAN NOT NULL DEFAULT false;
