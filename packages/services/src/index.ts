export * from "./catalogs";
export { loadSiteOverlay, resetSiteOverlay, siteOverlay } from "./site-overlay";
export * from "./consoles";
export * from "./console-sizes";
export * from "./console-storage";
export { readConsoleShared } from "./console-read-cache";
export * from "./errors";
export * from "./fenced";
export { releaseRun } from "./release-run";
export * from "./console-marks";
export * from "./follow";
export * from "./hosts";
export * from "./readiness";
export * from "./reconciler";
export * from "./repositories";
export {
  FAILED_FETCH_MEMORY_MS,
  fetchMissingCommits,
  forgetFailedFetches,
  readingCommits,
  type MissingCommits,
} from "./mirror-commits";
export * from "./runs";
export * from "./run-list";
export { runSurroundings } from "./run-detail";
export * from "./sync";
export {
  clearTargetFault,
  recordTargetFault,
  targetFault,
  targetFetchStateDto,
  type TargetFetchState,
} from "./target-faults";
export * from "./durations";
export * from "./cancel";
export * from "./holds";
export * from "./operations";
export { operationArgv, operationConsoleName } from "./operation-argv";
export * from "./history";
export * from "./history-compare";
export type { RunSide } from "./history-runs";
export {
  handleWebhook,
  isWebhookProvider,
  MAX_WEBHOOK_BODY_BYTES,
  WEBHOOK_PROVIDERS,
  type WebhookProvider,
  type WebhookResponse,
} from "./webhooks";
export * from "./dependencies";
export * from "./schedules";
export * from "./metrics";
export * from "./console-search";
export * from "./console-diff";
export * from "./observability";
export * from "./audit";
export { readinessChangesAfter, readinessTimeline, type TimelineOptions } from "./readiness-timeline";
export {
  recordReadinessChanges,
  recordRepositoryChanges,
  startReadinessRecorder,
  type ReadinessChange,
  type RecorderLoop,
  type RecordResult,
} from "./readiness-changes";
export * from "./news";
