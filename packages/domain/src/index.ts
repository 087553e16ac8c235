export * from "./types";
export * from "./catalog";
export { NAME_PATTERN, HARNESS_CONSOLE } from "./catalog-schema";
export * from "./readiness";
export * from "./run-state";
export * from "./format";
export * from "./driver-split";
export * from "./verdict";
export * from "./metrics";
