import { appRouter, type Context } from "@proofboard/api";
import { type AuthUser, type Role } from "@proofboard/auth";
import { db } from "@proofboard/db";

/**
 * Callers for suites that exercise the product rather than its access rules: a real user row
 * (the audit log and holds refer to it), acting through a session. Made again when a suite that
 * manages users (auth.test.ts) has deleted it.
 */
export async function testUser(role: Role = "operator", name = `test-${role}`): Promise<AuthUser> {
  const u = await db().user.upsert({
    where: { name },
    create: { name, role, passwordHash: "not-a-password: test users never log in" },
    update: { role },
  });
  return { id: u.id, name: u.name, role: u.role };
}

export async function contextAs(role: Role = "operator", name?: string): Promise<Context> {
  const user = await testUser(role, name);
  return { actor: user.name, user, credential: { kind: "session" }, address: "local" };
}

export async function callerAs(role: Role = "operator", name?: string) {
  return appRouter.createCaller(await contextAs(role, name));
}

/** What most suites need: someone allowed to rerun, cancel and sync. */
export const operatorCaller = (name?: string) => callerAs("operator", name);
