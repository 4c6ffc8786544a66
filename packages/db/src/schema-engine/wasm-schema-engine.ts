import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

/**
 * Prisma's own schema engine (the code behind `prisma migrate`), compiled to WebAssembly and
 * talking to Postgres through a driver adapter. The native engine binary cannot be
 * downloaded everywhere; this one ships on npm, so tests can ask the real engine whether our
 * hand-written migrations match schema.prisma and whether it reads our `_prisma_migrations`
 * records as its own. Development only (a devDependency).
 *
 * `@prisma/adapter-pg` 7.10 needs one fix for it (CharAwarePool), and offers no usable
 * shadow database (see connectToShadowDb).
 */

export type { SchemaEngine };

let instantiated: Promise<void> | undefined;

export interface RunningSchemaEngine {
  engine: SchemaEngine;
  /**
   * Frees the engine and closes every connection it opened. Until then its session holds
   * Prisma's migration advisory lock on the database, as the native engine's does.
   */
  close(): Promise<void>;
}

/**
 * Compiles the engine once per process (about a second) and starts one for `schema` on
 * `databaseUrl`, the database that commands such as `applyMigrations` act on.
 */
export async function startSchemaEngine(schema: string, databaseUrl: string): Promise<RunningSchemaEngine> {
  instantiated ??= instantiate();
  await instantiated;
  const factory = new EngineAdapterFactory(databaseUrl);
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [["schema.prisma", schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  let closed = false;
  return {
    engine,
    async close() {
      if (closed) return;
      closed = true;
      engine.free();
      await factory.closeAll();
    },
  };
}

async function instantiate(): Promise<void> {
  // The package's entry imports the .wasm as an ES module, which Node 20 cannot: load it by hand.
  const entry = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm");
  const bytes = await readFile(path.join(path.dirname(entry), "schema_engine_bg.wasm"));
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { "./schema_engine_bg.js": bindings });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  // Where the engine reports a Rust panic (then fails with "unreachable"); without it the
  // report itself crashes with a TypeError and the panic message is lost.
  const global = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  global.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (message) => console.error(`Prisma schema engine panicked: ${message}`),
  };
}

/** Connections for the engine, all to the target database. */
class EngineAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "portcullis-schema-engine";

  private readonly open = new Set<SqlDriverAdapter>();

  constructor(private readonly databaseUrl: string) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.track(adapterOn(this.databaseUrl));
  }

  async closeAll(): Promise<void> {
    for (const adapter of this.open) await adapter.dispose();
  }

  private async track(pending: Promise<SqlDriverAdapter>): Promise<SqlDriverAdapter> {
    const adapter = await pending;
    const dispose = adapter.dispose.bind(adapter);
    this.open.add(adapter);
    adapter.dispose = async () => {
      if (!this.open.delete(adapter)) return;
      await dispose();
    };
    return adapter;
  }

  /**
   * Only commands that replay migrations (`diff` from migrations, `migrate dev`) need a
   * shadow database, and adapter-pg 7.10's own is broken (its pool config lets the connection
   * string win over the shadow database name, so it replays into the main database). Diff
   * from the migrated database itself (`schemaDatasource`) instead.
   */
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    throw new Error("No shadow database here: diff against a database migrated by applyMigrations instead");
  }
}

/** Marks columns of Postgres's internal `"char"` type (OID 18) in a result's field names. */
const CHAR_MARK = "\u0000char";

/**
 * The engine reads catalog columns of type `"char"` (e.g. `pg_constraint.contype`) and
 * wants them typed Character, but adapter-pg rejects OID 18. The pool relabels them as text
 * and marks their names, and the adapter's results get the Character type back.
 */
class CharAwarePool extends pg.Pool {
  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool#query is heavily overloaded; this wraps every form.
  override query(...args: any[]): any {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    const result = (super.query as (...a: any[]) => any)(...args);
    if (!(result instanceof Promise)) return result;
    return result.then((res: pg.QueryResult) => {
      for (const field of res.fields ?? []) {
        if (field.dataTypeID === 18) {
          field.dataTypeID = 25;
          field.name += CHAR_MARK;
        }
      }
      return res;
    });
  }
}

async function adapterOn(url: string): Promise<SqlDriverAdapter> {
  const pool = new CharAwarePool({ connectionString: url, max: 2 });
  const adapter = await new PrismaPg(pool).connect();
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    result.columnNames.forEach((name, i) => {
      if (name.endsWith(CHAR_MARK)) {
        result.columnNames[i] = name.slice(0, -CHAR_MARK.length);
        result.columnTypes[i] = ColumnTypeEnum.Character;
      }
    });
    return result;
  };
  // An external pool is not closed by the adapter's own dispose.
  adapter.dispose = () => pool.end();
  return adapter;
}
