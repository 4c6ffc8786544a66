-- Dashboard rollups (issue 12, point 6). The worker folds audit events into hourly and
-- daily rows per organization, portal and dimension, so the console's 30-day dashboard
-- reads a few thousand rows instead of every event. portal holds '/' for the default
-- /mcp endpoint (no portal name contains a slash), so it can be part of the key.

-- CreateTable
CREATE TABLE "audit_rollups" (
    "org_id" TEXT NOT NULL,
    "bucket_seconds" INTEGER NOT NULL,
    "dim" TEXT NOT NULL,
    "start" TIMESTAMP(3) NOT NULL,
    "portal" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "total" BIGINT NOT NULL,
    "denied" BIGINT NOT NULL,
    "errors" BIGINT NOT NULL,
    "tool_errors" BIGINT NOT NULL,

    CONSTRAINT "audit_rollups_pkey" PRIMARY KEY ("org_id","bucket_seconds","dim","start","portal","key")
);

-- tools/call latency per server as (value, calls): latency_ms is rounded to three
-- significant digits, so that a busy hour holds hundreds of rows, not one per call.

-- CreateTable
CREATE TABLE "audit_rollup_latency" (
    "org_id" TEXT NOT NULL,
    "bucket_seconds" INTEGER NOT NULL,
    "server_id" TEXT NOT NULL,
    "start" TIMESTAMP(3) NOT NULL,
    "portal" TEXT NOT NULL,
    "latency_ms" DOUBLE PRECISION NOT NULL,
    "calls" BIGINT NOT NULL,

    CONSTRAINT "audit_rollup_latency_pkey" PRIMARY KEY ("org_id","bucket_seconds","server_id","start","portal","latency_ms")
);

-- How far each organization's rollups go: every event of its chain up to chain_seq (null:
-- not built yet), its events from before chaining existed up to legacy_until, and none
-- before floor (retention deleted older events).

-- CreateTable
CREATE TABLE "audit_rollup_watermarks" (
    "org_id" TEXT NOT NULL,
    "chain_seq" BIGINT,
    "legacy_until" TIMESTAMP(3),
    "floor" TIMESTAMP(3),
    "folded_at" TIMESTAMP(3),

    CONSTRAINT "audit_rollup_watermarks_pkey" PRIMARY KEY ("org_id")
);

-- AddForeignKey
ALTER TABLE "audit_rollups" ADD CONSTRAINT "audit_rollups_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "audit_rollup_latency" ADD CONSTRAINT "audit_rollup_latency_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "audit_rollup_watermarks" ADD CONSTRAINT "audit_rollup_watermarks_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
