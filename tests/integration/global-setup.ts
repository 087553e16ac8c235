import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";

/** A fresh test database with the committed migrations, and an empty test key prefix. */
export default async function setup(): Promise<void> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_test");
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();

  const root = path.resolve(import.meta.dirname, "../..");
  const placeholder = path.join(root, ".proofboard/prisma-engine-placeholder");
  execFileSync("pnpm", ["exec", "prisma", "migrate", "deploy"], {
    cwd: path.join(root, "packages/db"),
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      CHECKPOINT_DISABLE: "1",
    },
    stdio: "pipe",
  });

  const redis = new Redis("redis://127.0.0.1:6379");
  const keys = await redis.keys("pbtest:*");
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  rmSync("/tmp/proofboard-test-data", { recursive: true, force: true });
}
