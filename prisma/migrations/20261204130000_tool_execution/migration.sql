-- A tool's MCP `execution` field (taskSupport), carried to tools/list through the snapshot
ALTER TABLE "tools" ADD COLUMN "execution" JSONB;
