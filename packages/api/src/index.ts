export { appRouter, type AppRouter } from "./root";
export {
  accessRefusal,
  accountProcedure,
  adminProcedure,
  authenticate,
  createContext,
  openProcedure,
  operatorProcedure,
  readProcedure,
  router,
  type Context,
  type ProcedureMeta,
} from "./trpc";
export { decodeOffsets, encodeOffsets } from "./follow-wire";
export { handleFollowStream } from "./follow-stream";
export { handleConsoleDownload } from "./console-download";
export { badgeBranch, handleBadge, handleReadinessJson, READINESS_DOCUMENT_VERSION } from "./readiness-http";
export { refuseCrossSitePost } from "./cross-site";
export { apiRequestWithinLimit, bodyWithin, MAX_API_BODY_BYTES } from "./request-body";
export { CONTROL_CHARACTER, nameInput } from "./names";
