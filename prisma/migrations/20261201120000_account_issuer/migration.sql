-- An SSO identity is the pair (issuer, subject). Rows linked before the issuer was recorded
-- keep a NULL issuer: the next sign-in of that subject through the configured provider
-- records the issuer (see packages/control/src/identity/provision-user.ts). Postgres
-- treats NULLs as distinct, so legacy rows never collide with recorded ones.

-- DropIndex
DROP INDEX "accounts_provider_provider_account_id_key";

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "issuer" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "accounts_issuer_provider_account_id_key" ON "accounts"("issuer", "provider_account_id");
