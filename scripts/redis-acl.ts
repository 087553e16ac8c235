/**
 * Redis ACL users for Proofboard's processes, run with the admin connection (REDIS_URL):
 *   pnpm exec tsx scripts/redis-acl.ts apply        creates or resets proofboard-<prefix>-web and -worker
 *   pnpm exec tsx scripts/redis-acl.ts url web|worker   prints the REDIS_URL that kind of process should use
 * Passwords are made once and kept owner-only in $PROOFBOARD_DATA_DIR/redis-<kind>-password. ACL
 * users live in Redis's memory unless it has an aclfile: run `apply` after every Redis start
 * (scripts/start.sh does).
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { env } from "@proofboard/env";
import { aclRedisUrl, aclRules, aclUserName, createRedis, PROCESS_KINDS, type ProcessKind } from "@proofboard/jobs";

const USAGE = `usage: redis-acl.ts apply | url ${PROCESS_KINDS.join("|")}`;

async function password(kind: ProcessKind): Promise<string> {
  const file = path.join(env().PROOFBOARD_DATA_DIR, `redis-${kind}-password`);
  const kept = await readFile(file, "utf8").then(
    (p) => p.trim(),
    () => "",
  );
  if (kept) return kept;
  const made = randomBytes(24).toString("base64url");
  await writeFile(file, `${made}\n`, { mode: 0o600, flag: "wx" });
  return made;
}

async function apply(): Promise<void> {
  const e = env();
  const redis = createRedis();
  try {
    for (const kind of PROCESS_KINDS) {
      const user = aclUserName(kind, e.PROOFBOARD_REDIS_PREFIX);
      await redis.call(
        "ACL",
        "SETUSER",
        user,
        ...aclRules(kind, e.PROOFBOARD_REDIS_PREFIX),
        `>${await password(kind)}`,
      );
      console.log(
        `Redis user ${user}: ${aclRules(kind, e.PROOFBOARD_REDIS_PREFIX)
          .filter((r) => /^[~&]/.test(r))
          .join(" ")}`,
      );
    }
  } finally {
    redis.disconnect();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, kind] = argv;
  if (command === "apply" && argv.length === 1) {
    await apply();
    return 0;
  }
  if (command === "url" && argv.length === 2 && (PROCESS_KINDS as readonly string[]).includes(kind!)) {
    const k = kind as ProcessKind;
    console.log(aclRedisUrl(env().REDIS_URL, aclUserName(k, env().PROOFBOARD_REDIS_PREFIX), await password(k)));
    return 0;
  }
  console.error(USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`redis-acl: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
