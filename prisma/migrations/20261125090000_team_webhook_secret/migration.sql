-- Team webhook URLs are credentials (a Slack incoming webhook's path is its secret): store
-- them sealed (AES-256-GCM under PORTCULLIS_SECRET_KEY, like upstream credentials), with
-- the host in the clear for display and audit. SQL cannot seal, so existing plaintext
-- values stay in "webhook_url" and keep working until the webhook is set again (console or
-- `portcullis apply`), which seals it and clears the plaintext column.

-- AlterTable
ALTER TABLE "teams" ADD COLUMN     "webhook_host" TEXT,
ADD COLUMN     "webhook_secret" TEXT;
