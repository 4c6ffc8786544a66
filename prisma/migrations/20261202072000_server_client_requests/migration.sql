-- Server-to-client requests are governed per server (issue 9 point 3): elicitation (asking
-- the agent's user for input) stays allowed for existing servers, sampling (using the
-- client's model) is refused until an administrator allows it.

-- AlterTable
ALTER TABLE "servers" ADD COLUMN     "allow_elicitation" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "allow_sampling" BOOLEAN NOT NULL DEFAULT false;

-- MCP Apps: the ui:// resource a tool's _meta names, kept with the tool so a client granted
-- the tool may read it. Outside the pinned definition: existing tools keep their hashes.
ALTER TABLE "tools" ADD COLUMN     "ui_resource_uri" TEXT;
