/**
 * Prometheus text exposition format 0.0.4, written by hand: two metric types and labels are all
 * Proofboard needs, and a client library would bring a registry, timers and defaults we would not use.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;
export type MetricType = "counter" | "gauge";

export interface Sample {
  labels?: Labels;
  value: number;
}

/** One metric name with its help, type and samples: what a scrape-time collector returns. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values come from outside (host names, branch names): backslash, quote and newline are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and newline only (quotes are literal there). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return "";
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      throw new Error(`invalid Prometheus label name ${JSON.stringify(name)}`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** The families as one exposition, each family's HELP and TYPE once, then its samples. */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid Prometheus metric name ${JSON.stringify(f.name)}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return out.length ? `${out.join("\n")}\n` : "";
}

/** Samples keyed by their label values, in the order the label names were declared. */
abstract class LabelledMetric {
  protected readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid Prometheus metric name ${JSON.stringify(name)}`);
    for (const l of labelNames)
      if (!LABEL_NAME.test(l)) throw new Error(`invalid Prometheus label name ${JSON.stringify(l)}`);
  }

  protected abstract readonly type: MetricType;

  protected entry(labels: Labels = {}): { labels: Labels; value: number } {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !this.labelNames.every((l) => typeof labels[l] === "string")) {
      throw new Error(`${this.name} takes the labels ${JSON.stringify(this.labelNames)}, not ${JSON.stringify(given)}`);
    }
    const ordered = Object.fromEntries(this.labelNames.map((l) => [l, labels[l]!]));
    const key = JSON.stringify(this.labelNames.map((l) => labels[l]));
    let e = this.values.get(key);
    if (!e) {
      e = { labels: ordered, value: 0 };
      this.values.set(key, e);
    }
    return e;
  }

  get(labels: Labels = {}): number {
    return this.entry(labels).value;
  }

  /** Forgets every label combination (a host gone, a test starting clean). */
  reset(): void {
    this.values.clear();
  }

  family(): MetricFamily {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      samples: [...this.values.values()].map((e) => ({ labels: e.labels, value: e.value })),
    };
  }
}

/** Only goes up (bytes written, chunks published); a restart resets it, which Prometheus' rate() expects. */
export class Counter extends LabelledMetric {
  protected readonly type = "counter";

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter cannot go down (by ${by})`);
    this.entry(labels).value += by;
  }
}

export class Gauge extends LabelledMetric {
  protected readonly type = "gauge";

  /** `set(42)` for a gauge without labels, `set({ host_class: "tcg" }, 42)` for one with. */
  set(labelsOrValue: Labels | number, value?: number): void {
    if (typeof labelsOrValue === "number") this.entry({}).value = labelsOrValue;
    else this.entry(labelsOrValue).value = value ?? 0;
  }
}
