import { mkdirSync, rmSync } from "node:fs";
import { buildCli } from "../support/cli";
import { clearRedisPrefix, recreateDatabase } from "../support/database";

/** A fresh test database with the committed migrations, an empty test key prefix, the CLI bundled. */
export default async function setup(): Promise<void> {
  buildCli();
  await recreateDatabase(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_test");
  await clearRedisPrefix(process.env.TEST_REDIS_PREFIX ?? "pbtest");
  rmSync(process.env.TEST_DATA_DIR ?? "/tmp/proofboard-test-data", { recursive: true, force: true });
  mkdirSync("/tmp/pb-slow-lane", { recursive: true });
}
