import { execFileSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";

const root = path.resolve(import.meta.dirname, "../..");

/** Drops and recreates a database, then applies the committed migrations to it. */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name) || (!name.includes("test") && !name.includes("e2e") && !name.includes("bench"))) {
    throw new Error(`refusing to recreate ${name}: only test, e2e and bench databases`);
  }
  const admin = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const placeholder = path.join(root, ".proofboard/prisma-engine-placeholder");
  execFileSync("pnpm", ["exec", "prisma", "migrate", "deploy"], {
    cwd: path.join(root, "packages/db"),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      CHECKPOINT_DISABLE: "1",
    },
    stdio: "pipe",
  });
}

/** Removes every Redis key under a prefix (tests never share the development prefix). */
export async function clearRedisPrefix(prefix: string, redisUrl = "redis://127.0.0.1:6379"): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
