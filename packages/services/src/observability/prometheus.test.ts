import { describe, expect, it } from "vitest";
import { Counter, escapeLabelValue, Gauge, renderMetrics } from "./prometheus";

/** Parses one sample line the way Prometheus' text parser does: name, {label="value",...}, value. */
function parseSample(line: string): { name: string; labels: Record<string, string>; value: string } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
  if (!m) throw new Error(`not a sample line: ${line}`);
  const labels: Record<string, string> = {};
  const body = m[3] ?? "";
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf("=", i);
    const name = body.slice(i, eq);
    if (body[eq + 1] !== '"') throw new Error(`unquoted label value in ${line}`);
    let value = "";
    let j = eq + 2;
    for (; body[j] !== '"'; j++) {
      if (j >= body.length) throw new Error(`unterminated label value in ${line}`);
      if (body[j] === "\\") {
        const next = body[++j];
        value += next === "n" ? "\n" : next;
      } else value += body[j];
    }
    labels[name] = value;
    i = j + 1;
    if (body[i] === ",") i++;
  }
  return { name: m[1]!, labels, value: m[4]! };
}

describe("Prometheus text format 0.0.4", () => {
  it("writes HELP, TYPE and one line per label combination", () => {
    const bytes = new Counter("proofboard_worker_console_bytes_total", "Console bytes stored.", ["kind"]);
    bytes.inc({ kind: "harness" }, 100);
    bytes.inc({ kind: "vm" }, 5);
    bytes.inc({ kind: "harness" }, 20);
    const spool = new Gauge("proofboard_worker_spool_bytes", "Bytes in the spool.");
    spool.set(4096);
    expect(renderMetrics([bytes.family(), spool.family()])).toBe(
      [
        "# HELP proofboard_worker_console_bytes_total Console bytes stored.",
        "# TYPE proofboard_worker_console_bytes_total counter",
        'proofboard_worker_console_bytes_total{kind="harness"} 120',
        'proofboard_worker_console_bytes_total{kind="vm"} 5',
        "# HELP proofboard_worker_spool_bytes Bytes in the spool.",
        "# TYPE proofboard_worker_spool_bytes gauge",
        "proofboard_worker_spool_bytes 4096",
        "",
      ].join("\n"),
    );
  });

  it("escapes hostile label values so each sample stays one parseable line", () => {
    const hostile = [
      'quote " inside',
      "back\\slash",
      "new\nline",
      'all \\" of\n them \\n',
      "} 1\nfake_metric 666",
      "",
      "ünïcödé ☃",
    ];
    const age = new Gauge("proofboard_host_heartbeat_age_seconds", "Seconds since the host's last heartbeat.", [
      "host",
    ]);
    hostile.forEach((h, i) => age.set({ host: h }, i));
    const text = renderMetrics([age.family()]);
    const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(samples).toHaveLength(hostile.length);
    expect(samples.map(parseSample)).toEqual(
      hostile.map((h, i) => ({ name: age.name, labels: { host: h }, value: String(i) })),
    );
    expect(text).not.toMatch(/^fake_metric/m);
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it("escapes backslashes and newlines in HELP and keeps quotes literal there", () => {
    const g = new Gauge("x", 'say "hi"\\now\nplease');
    expect(renderMetrics([g.family()]).split("\n")[0]).toBe('# HELP x say "hi"\\\\now\\nplease');
  });

  it("formats special values as Prometheus expects", () => {
    const g = new Gauge("g", "h", ["k"]);
    g.set({ k: "nan" }, NaN);
    g.set({ k: "inf" }, Infinity);
    g.set({ k: "-inf" }, -Infinity);
    g.set({ k: "frac" }, 0.25);
    expect(renderMetrics([g.family()])).toContain(
      'g{k="nan"} NaN\ng{k="inf"} +Inf\ng{k="-inf"} -Inf\ng{k="frac"} 0.25\n',
    );
  });

  it("refuses bad names, wrong labels and counters going down", () => {
    expect(() => new Counter("bad-name", "h")).toThrow(/metric name/);
    expect(() => new Gauge("ok", "h", ["bad label"])).toThrow(/label name/);
    const c = new Counter("c_total", "h", ["kind"]);
    expect(() => c.inc({}, 1)).toThrow(/takes the labels/);
    expect(() => c.inc({ kind: "a", extra: "b" }, 1)).toThrow(/takes the labels/);
    expect(() => c.inc({ kind: "a" }, -1)).toThrow(/cannot go down/);
    expect(() => c.inc({ kind: "a" }, NaN)).toThrow(/cannot go down/);
    expect(() =>
      renderMetrics([{ name: "x", help: "h", type: "gauge", samples: [{ labels: { __reserved: "v" }, value: 1 }] }]),
    ).toThrow(/label name/);
  });

  it("renders a family without samples as HELP and TYPE only, and nothing for no families", () => {
    expect(renderMetrics([])).toBe("");
    expect(renderMetrics([new Gauge("empty", "none yet").family()])).toBe(
      "# HELP empty none yet\n# TYPE empty gauge\n",
    );
  });
});
