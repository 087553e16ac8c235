export {
  bodyFor,
  headline,
  HOOK_FORMATS,
  NEWS_EVENTS,
  PAYLOAD_VERSION,
  signature,
  slackMessage,
  verifySignature,
  type EventKind,
  type HookFormat,
  type LaneFailedPayload,
  type NewsEvent,
  type NewsPayload,
  type PingPayload,
  type ReadinessPayload,
} from "./payloads";
export {
  forgeConfig,
  forgeSummary,
  RELEASE_READY_CONTEXT,
  statusContext,
  statusRequest,
  type ForgeConfig,
} from "./forge";
export {
  branchMatches,
  checkBranchFilter,
  checkHookUrl,
  createHook,
  deleteHook,
  listHooks,
  NewsInputError,
  pingHook,
  rotateHookSecret,
  setHookEnabled,
  shownUrl,
  type HookInfo,
  type HookInput,
} from "./hooks";
export { makeEvents } from "./events";
export { EXCERPT_BYTES, MAX_ATTEMPTS, post, RETRY_DELAYS_SECONDS, SEND_TIMEOUT_MS, sendDue } from "./send";
export { listDeliveries, NEWS_KEEP_DAYS, newsTick, pruneNews, redeliver, type DeliveryInfo } from "./deliveries";
