import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { env } from "@proofboard/env";
import { logger, quietRepeats } from "@proofboard/log";
import { PrismaClient } from "./generated/client";

export * from "./generated/client";
export type * from "./generated/models";

let pool: pg.Pool | undefined;
let client: PrismaClient | undefined;

/** One pool of PostgreSQL connections per process, shared by Prisma and the queries of queryRows. */
function sharedPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({ connectionString: env().DATABASE_URL, max: 10 });
    // An idle connection the server closed (a restart) must not take the process down; the pool replaces it.
    const lost = quietRepeats(logger("db"), "warn");
    pool.on("error", (err) => lost("PostgreSQL connection lost while idle; the pool opens a new one", { err }));
  }
  return pool;
}

/** The process-wide Prisma client on the pg driver adapter (no Rust engine: see STACK.md). */
export function db(): PrismaClient {
  if (!client) client = new PrismaClient({ adapter: new PrismaPg(sharedPool()) });
  return client;
}

/**
 * Rows as arrays of values, straight from the pg driver: for the few hot reads that return
 * thousands of rows (readiness of every branch), where Prisma's raw-query path builds each row
 * twice. Values are parameters, never spliced into the text. Select numbers and text, not
 * timestamps: pg would read a `timestamp` in the process's local time zone.
 */
export async function queryRows(text: string, values: unknown[]): Promise<unknown[][]> {
  const result = await sharedPool().query<unknown[]>({ text, values, rowMode: "array" });
  return result.rows;
}

/**
 * A statement straight through the pg driver, answering how many rows it touched: for the hot
 * writes of large values (console chunks), which Prisma's raw path encodes ~10x slower.
 */
export async function executeStatement(text: string, values: unknown[]): Promise<number> {
  const result = await sharedPool().query({ text, values });
  return result.rowCount ?? 0;
}

export async function disconnectDb(): Promise<void> {
  const c = client;
  const p = pool;
  client = undefined;
  pool = undefined;
  if (c) await c.$disconnect();
  if (p) await p.end();
}
