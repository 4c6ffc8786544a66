-- Audit events name the agent key a request authenticated with (issue 10 point 12).
ALTER TABLE "audit_events" ADD COLUMN     "key_id" TEXT;

-- Keyed tamper evidence (issue 10 point 11).
-- The admin change log becomes a hash chain per organization, like audit_events: chain_seq
-- 1, 2, 3... with prev_hash and hash (see control/admin-audit/admin-chain.ts). Rows written
-- before this migration stay unchained (chain_seq NULL).
ALTER TABLE "admin_audit_logs" ADD COLUMN     "chain_seq" BIGINT,
ADD COLUMN     "hash" TEXT,
ADD COLUMN     "prev_hash" TEXT;

CREATE UNIQUE INDEX "admin_audit_logs_org_id_chain_seq_key" ON "admin_audit_logs"("org_id", "chain_seq");

-- A chain head the worker verified and signed with a key derived from PORTCULLIS_SECRET_KEY
-- (HMAC over every column but mac, and the previous checkpoint's mac). Whoever edits rows
-- and recomputes the unkeyed hashes cannot recompute these.
CREATE TABLE "audit_checkpoints" (
    "id" TEXT NOT NULL,
    "chain" TEXT NOT NULL,
    "org_id" TEXT,
    "head_seq" BIGINT NOT NULL,
    "head_hash" TEXT,
    "checked" INTEGER NOT NULL,
    "verified_ok" BOOLEAN NOT NULL,
    "first_broken_id" TEXT,
    "detail" TEXT,
    "prev_mac" TEXT,
    "mac" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "audit_checkpoints_chain_org_id_created_at_idx" ON "audit_checkpoints"("chain", "org_id", "created_at" DESC);

ALTER TABLE "audit_checkpoints" ADD CONSTRAINT "audit_checkpoints_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
