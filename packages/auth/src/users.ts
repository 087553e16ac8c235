import { db } from "@proofboard/db";
import { dummyHash, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from "./password";
import { isRole, ROLES, type AuthUser, type Role } from "./roles";
import { createSession } from "./sessions";

/** Same shape as console and lane names: safe in a URL, a log line and a shell prompt alike. */
export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;

/** Input a person can fix (bad name, short password, taken name); its message is meant to be shown. */
export class AuthInputError extends Error {
  override name = "AuthInputError";
}

function checkName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new AuthInputError(
      `invalid user name ${JSON.stringify(name.slice(0, 80))}: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new AuthInputError(`password too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new AuthInputError(`password too long: at most ${MAX_PASSWORD_LENGTH} characters`);
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

export async function createUser(input: { name: string; password: string; role: Role }): Promise<AuthUser> {
  checkName(input.name);
  checkPassword(input.password);
  if (!isRole(input.role))
    throw new AuthInputError(`invalid role ${JSON.stringify(input.role)}: one of ${ROLES.join(", ")}`);
  const passwordHash = await hashPassword(input.password);
  try {
    const u = await db().user.create({ data: { name: input.name, passwordHash, role: input.role } });
    return { id: u.id, name: u.name, role: u.role };
  } catch (e) {
    if (isUniqueViolation(e)) throw new AuthInputError(`user ${input.name} already exists`);
    throw e;
  }
}

/** Also ends every session of the user: a password change is how someone locks out a stolen cookie. */
export async function setPassword(name: string, password: string): Promise<void> {
  checkName(name);
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  const updated = await db().user.updateMany({ where: { name }, data: { passwordHash } });
  if (updated.count === 0) throw new AuthInputError(`unknown user ${name}`);
  await db().session.deleteMany({ where: { user: { name } } });
}

export async function listUsers(): Promise<(AuthUser & { createdAt: Date })[]> {
  return db().user.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, role: true, createdAt: true },
  });
}

/** Changing a role ends the user's sessions, so a demoted user's open pages stop acting with the old role. */
export async function setRole(name: string, role: Role): Promise<AuthUser> {
  checkName(name);
  if (!isRole(role)) throw new AuthInputError(`invalid role ${JSON.stringify(role)}: one of ${ROLES.join(", ")}`);
  const updated = await db().user.updateMany({ where: { name }, data: { role } });
  if (updated.count === 0) throw new AuthInputError(`unknown user ${name}`);
  await db().session.deleteMany({ where: { user: { name } } });
  const u = await db().user.findUniqueOrThrow({ where: { name } });
  return { id: u.id, name: u.name, role: u.role };
}

/**
 * The user whose password this is, or null. Unknown user, malformed name and wrong password all
 * give the same null after the same scrypt work, so the answer does not reveal who exists.
 */
export async function verifyCredentials(name: string, password: string): Promise<AuthUser | null> {
  const user = USER_NAME.test(name) ? await db().user.findUnique({ where: { name } }) : null;
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  return user && ok ? { id: user.id, name: user.name, role: user.role } : null;
}

/** The session token (the cookie's value) or null; see verifyCredentials. */
export async function login(name: string, password: string): Promise<string | null> {
  const user = await verifyCredentials(name, password);
  return user ? createSession(user.id) : null;
}
