// Generates the Prisma client into packages/db/src/generated.
// Prisma 7 cannot download its engines on every machine; the generator does not use the
// schema engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file is enough.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const r = spawnSync("pnpm", ["exec", "prisma", "generate"], { cwd: root, env, stdio: "inherit" });
process.exit(r.status ?? 1);
