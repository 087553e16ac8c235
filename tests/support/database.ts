import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Drops and recreates a database with the committed migrations applied. Migrating takes ~13 s
 * (Prisma's WebAssembly engine, ~45 migrations), so the migrations are applied once to a template
 * named by their content, and each database is a copy of it (CREATE DATABASE … TEMPLATE, ~1 s):
 * the same schema, grants and migration history as migrating it, for every suite that starts one.
 */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name) || (!name.includes("test") && !name.includes("e2e") && !name.includes("bench"))) {
    throw new Error(`refusing to recreate ${name}: only test, e2e and bench databases`);
  }
  const admin = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}/postgres` });
  await admin.connect();
  // One process at a time makes or copies a template: a suite of another checkout (other
  // migrations) drops this one's as stale only between two copies, never during one.
  await admin.query(`SELECT pg_advisory_lock(hashtext('proofboard test template'))`);
  try {
    const template = await migratedTemplate(admin, url);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end(); // ends the session, and its lock with it
  }
}

const migrationsDir = path.join(root, "packages/db/prisma/migrations");

/** The template for the migrations as committed now: made (and older ones dropped) when missing. */
async function migratedTemplate(admin: pg.Client, url: URL): Promise<string> {
  const hash = createHash("sha256");
  for (const m of readdirSync(migrationsDir).sort()) {
    const file = path.join(migrationsDir, m, "migration.sql");
    if (existsSync(file)) hash.update(m).update(readFileSync(file));
  }
  const template = `proofboard_test_template_${hash.digest("hex").slice(0, 16)}`;
  const known = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [template]);
  if (known.rowCount) return template;
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^proofboard_test_template_'`,
  );
  for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  const building = `${template}_partial`;
  await admin.query(`CREATE DATABASE "${building}"`);
  migrate(`${url.protocol}//${url.username}@${url.host}/${building}`);
  // Renamed only once whole, so a migration that failed halfway never becomes a template.
  await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
  return template;
}

function migrate(databaseUrl: string): void {
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
