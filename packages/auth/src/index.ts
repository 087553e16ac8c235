export { hashPassword, verifyPassword, MAX_PASSWORD_LENGTH } from "./password";
export { ROLES, canOperate, isRole, type AuthUser, type Role } from "./roles";
export {
  SESSION_COOKIE,
  SESSION_SECONDS,
  clearedSessionCookie,
  createSession,
  deleteSession,
  sessionCookie,
  sessionTokenFromCookie,
  userForToken,
} from "./sessions";
export { AuthInputError, MIN_PASSWORD_LENGTH, USER_NAME, createUser, listUsers, login, setPassword } from "./users";
