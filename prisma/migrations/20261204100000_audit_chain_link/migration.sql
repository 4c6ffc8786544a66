-- The ingest links a whole batch of audit events in one statement (control/audit/chain/
-- append-to-chain.ts): audit_chain_link(tail, digest) OVER (PARTITION BY org_id ORDER BY
-- chain_seq) is each event's hash, sha256(previous hash || digest), where the previous
-- hash of a batch's first event is its chain's tail (NULL for an empty chain). The step is
-- the expression linkHashSql in chain-hash.ts writes, so verification agrees byte for byte.
-- Not strict: its state starts NULL, which means the batch has not started yet.

-- CreateFunction
CREATE FUNCTION "audit_chain_link_step"("state" text, "tail" text, "digest" text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT encode(sha256(convert_to(coalesce(CASE WHEN "state" IS NULL THEN "tail" ELSE "state" END, '') || "digest", 'UTF8')), 'hex') $$;

-- CreateAggregate
CREATE AGGREGATE "audit_chain_link"(text, text) (
    SFUNC = "audit_chain_link_step",
    STYPE = text
);
