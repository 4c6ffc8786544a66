import { defineConfig } from "prisma/config";

// `prisma generate` needs no database. `prisma migrate deploy` (for users who have the
// schema engine) reads DATABASE_URL; `pnpm portcullis migrate` applies the same SQL.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/portcullis" },
});
