-- A published snapshot's document is stored as the exact canonical text its hash covers
-- and Redis serves (json keeps the text, jsonb would reparse and rebuild it). At 1,000
-- tools jsonb's conversion cost about half of the insert, on every publishing change.
-- Nothing queries inside the document, so jsonb's operators and indexes are not missed.

-- AlterTable
ALTER TABLE "config_snapshots" ALTER COLUMN "document" TYPE JSON USING "document"::json;

