import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";

/**
 * PostgreSQL roles for the web and the workers (README: Database roles). The group roles, grants
 * and row-level security come with migration 20261205000000_worker_db_roles; this module reapplies
 * that file and makes the login roles, which carry passwords and so stay out of migrations.
 */

export const WEB_ROLE = "proofboard_web";
export const WORKER_GROUP = "proofboard_worker";

const ROLES_MIGRATION = path.resolve(
  import.meta.dirname,
  "../prisma/migrations/20261205000000_worker_db_roles/migration.sql",
);

/** Column grants later migrations gave a worker (a restored database loses them with its roles). */
const LATER_GRANTS = [
  // 20261206000000_run_lane_ended_at: the worker stores when a lane ended (its hold starts there)
  `GRANT UPDATE ("lane_ended_at") ON "run" TO ${WORKER_GROUP}`,
  // 20261209300000_readiness_recorder: the web appends readiness changes, whose ids come from a sequence
  `GRANT USAGE, SELECT ON SEQUENCE "readiness_change_id_seq" TO ${WEB_ROLE}`,
  // 20261213100000_console_storage: a new console's weekly partition is made through this function
  `GRANT EXECUTE ON FUNCTION console_chunk_partition(DATE) TO ${WEB_ROLE}, ${WORKER_GROUP}`,
  `GRANT EXECUTE ON FUNCTION console_chunk_drop_expired(DATE) TO ${WEB_ROLE}`,
];

/** Later migrations that change the roles migration's policies: idempotent, applied after it again. */
const LATER_POLICY_MIGRATIONS = ["20261207000100_worker_run_trigger"].map((m) =>
  path.resolve(import.meta.dirname, `../prisma/migrations/${m}/migration.sql`),
);

/** Group roles, grants and policies again: idempotent (a restored database, roles dropped by hand). */
export async function applyRoles(admin: pg.Client): Promise<void> {
  await admin.query(readFileSync(ROLES_MIGRATION, "utf8"));
  for (const grant of LATER_GRANTS) await admin.query(grant);
  for (const file of LATER_POLICY_MIGRATIONS) await admin.query(readFileSync(file, "utf8"));
}

/** A role name given by hand: lower case, so it needs no quoting in psql either. */
export function checkRoleName(role: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role))
    throw new Error(`role name ${JSON.stringify(role.slice(0, 80))}: use 1-63 of a-z 0-9 _, not starting with a digit`);
  return role;
}

/** A worker host's login role: pbw_ and the host name in the characters a role name keeps readable. */
export function workerRoleName(host: string): string {
  if (!/^[A-Za-z0-9._-]{1,60}$/.test(host))
    throw new Error(`host name ${JSON.stringify(host.slice(0, 80))}: use 1-60 of A-Z a-z 0-9 . _ -`);
  return `pbw_${host.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
}

export function generatePassword(): string {
  return randomBytes(24).toString("base64url");
}

/** The admin's URL with another user and password: what a process connecting as that role uses. */
export function urlFor(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Keeps the password out of the server's statement log where the admin may say so (a superuser). */
async function quietStatements(admin: pg.Client): Promise<void> {
  await admin.query("SET log_statement = 'none'").catch(() => undefined);
}

/** Creates (or gives a new password to) a login role in a group role. */
async function loginRole(admin: pg.Client, role: string, group: string | null, password: string): Promise<void> {
  await quietStatements(admin);
  const exists = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
  const verb = exists.rowCount ? "ALTER" : "CREATE";
  await admin.query(`${verb} ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
  if (group) await admin.query(`GRANT ${admin.escapeIdentifier(group)} TO ${admin.escapeIdentifier(role)}`);
}

/**
 * A worker host's login role, in the worker group. Host rows of that name registered before (by
 * another role) are handed to it, so its worker can take its host name over.
 */
export async function addWorkerRole(
  admin: pg.Client,
  host: string,
  password: string,
  role = workerRoleName(host),
): Promise<string> {
  await loginRole(admin, role, WORKER_GROUP, password);
  await admin.query("UPDATE host SET worker_role = $1 WHERE name = $2", [role, host]);
  return role;
}

/**
 * A login for the web: proofboard_web itself, or a login role in it (roles are cluster-wide, so
 * databases sharing a cluster each name their own rather than change one another's password).
 */
export async function addWebLogin(admin: pg.Client, password: string, role: string = WEB_ROLE): Promise<string> {
  await loginRole(admin, role, role === WEB_ROLE ? null : WEB_ROLE, password);
  return role;
}

/** A worker's role may no longer log in (sessions already open stay); its runs keep its name. */
export async function disableWorkerRole(admin: pg.Client, role: string): Promise<string> {
  await admin.query(`ALTER ROLE ${admin.escapeIdentifier(role)} NOLOGIN`);
  return role;
}
