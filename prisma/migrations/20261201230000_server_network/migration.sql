-- A stdio server can be cut off the network (issue 10): the bubblewrap sandbox then starts
-- it in a network namespace of its own. Existing servers keep the network.

-- AlterTable
ALTER TABLE "servers" ADD COLUMN     "network" BOOLEAN NOT NULL DEFAULT true;
