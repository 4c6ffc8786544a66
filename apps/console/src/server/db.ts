import { createDb, type Db } from "@portcullis/db/client";
import { env } from "../env";

// One client per server process. `globalThis` survives `next dev` module reloads, which
// would otherwise open a new pool on every edit.
const globalForDb = globalThis as unknown as { portcullisDb?: Db };

export function db(): Db {
  globalForDb.portcullisDb ??= createDb(env().DATABASE_URL, { max: 5 });
  return globalForDb.portcullisDb;
}
