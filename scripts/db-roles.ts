/**
 * PostgreSQL roles for the web and the workers (README: Database roles), run by whoever runs
 * Proofboard, with DATABASE_URL naming the role that migrates (the tables' owner, able to create roles):
 *   pnpm exec tsx scripts/db-roles.ts apply            grants and row-level security again (idempotent)
 *   pnpm exec tsx scripts/db-roles.ts add-worker HOST [--role NAME]  a login role (pbw_HOST) for the worker of PROOFBOARD_HOST_NAME=HOST
 *   pnpm exec tsx scripts/db-roles.ts web [--role NAME]  proofboard_web may log in (or NAME, a login role in it)
 *   pnpm exec tsx scripts/db-roles.ts disable-worker HOST [--role NAME]
 * The password comes from PROOFBOARD_PASSWORD, else one is generated; the DATABASE_URL to give
 * the process is printed on stdout (and nothing else is), so it can be captured.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { env } from "@proofboard/env";
import {
  addWebLogin,
  addWorkerRole,
  applyRoles,
  checkRoleName,
  disableWorkerRole,
  generatePassword,
  urlFor,
  WEB_ROLE,
  workerRoleName,
} from "../packages/db/src/roles";

const USAGE =
  "usage: db-roles.ts apply | add-worker HOST [--role NAME] | web [--role NAME] | disable-worker HOST [--role NAME] (password from PROOFBOARD_PASSWORD, else generated)";

class UsageError extends Error {}

function password(): string {
  const given = process.env.PROOFBOARD_PASSWORD;
  return given !== undefined && given !== "" ? given : generatePassword();
}

function oneHost(positionals: string[]): string {
  const [host] = positionals;
  if (positionals.length !== 1 || host === undefined) throw new UsageError(USAGE);
  try {
    workerRoleName(host);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  return host;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  let positionals: string[];
  let role: string | undefined;
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { role: { type: "string" } },
    });
    positionals = parsed.positionals;
    role = parsed.values.role === undefined ? undefined : checkRoleName(parsed.values.role);
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}; ${USAGE}`);
  }
  if (role !== undefined && command === "apply") throw new UsageError(`--role does not go with apply; ${USAGE}`);
  const adminUrl = env().DATABASE_URL;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    if (command === "apply") {
      if (positionals.length) throw new UsageError(USAGE);
      await applyRoles(admin);
      console.error("grants and row-level security applied");
    } else if (command === "add-worker") {
      const host = oneHost(positionals);
      const pw = password();
      const made = await addWorkerRole(admin, host, pw, role);
      console.error(
        `worker role ${made} for host ${host}: start its worker with PROOFBOARD_HOST_NAME=${host} and this DATABASE_URL`,
      );
      console.log(urlFor(adminUrl, made, pw));
    } else if (command === "web") {
      if (positionals.length) throw new UsageError(USAGE);
      const pw = password();
      const made = await addWebLogin(admin, pw, role);
      console.error(
        `${made === WEB_ROLE ? made : `${made} (in ${WEB_ROLE})`} may log in: start the web with this DATABASE_URL`,
      );
      console.log(urlFor(adminUrl, made, pw));
    } else if (command === "disable-worker") {
      const host = oneHost(positionals);
      console.error(`${await disableWorkerRole(admin, role ?? workerRoleName(host))} may no longer log in`);
    } else {
      throw new UsageError(USAGE);
    }
  } finally {
    await admin.end();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`db-roles: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
