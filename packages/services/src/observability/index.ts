export {
  Counter,
  Gauge,
  escapeLabelValue,
  renderMetrics,
  PROMETHEUS_CONTENT_TYPE,
  type Labels,
  type MetricFamily,
  type MetricType,
  type Sample,
} from "./prometheus";
export * from "@proofboard/log";
export { checkPostgres, checkRedis, closeProbes, PROBE_TIMEOUT_MS, type DependencyCheck } from "./probes";
export { checkHealth, type HealthOptions, type HealthReport } from "./health";
export { fleetMetrics, fleetMetricsText } from "./fleet-metrics";
export {
  observeStreamPublish,
  resetWorkerMetrics,
  workerMetrics,
  workerMetricsFamilies,
  workerMetricsText,
} from "./worker-metrics";
