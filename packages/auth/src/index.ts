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
export {
  AuthInputError,
  MIN_PASSWORD_LENGTH,
  USER_NAME,
  createUser,
  listUsers,
  login,
  setPassword,
  setRole,
  verifyCredentials,
} from "./users";
export {
  ACCESS_LEVELS,
  TOKEN_SCOPES,
  atLeast,
  effectiveRole,
  maxScopeFor,
  refusal,
  scopeWithin,
  type Access,
  type Caller,
  type Credential,
  type Refusal,
  type TokenScope,
} from "./access";
export {
  API_TOKEN,
  MAX_TOKEN_DAYS,
  TOKEN_NAME,
  apiTokenOwner,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  userForApiToken,
  type ApiTokenInfo,
  type TokenLookup,
} from "./tokens";
