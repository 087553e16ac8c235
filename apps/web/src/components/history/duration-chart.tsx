import { runHref } from "~/components/readiness/links";
import { formatSeconds } from "./format";
import type { TrendPoint } from "./types";
import { visibleText } from "~/components/ui/visible-text";
import { useWidth } from "~/lib/use-width";

/** The drawing width before the box is measured; after that the chart is as wide as its box. */
const FIRST_W = 760;
/** Narrower than this and the date labels collide: the chart scrolls inside its box instead. */
const MIN_W = 320;
const H = 220;
const M = { left: 52, right: 86, top: 12, bottom: 26 };
const PLOT_H = H - M.top - M.bottom;

/** Distinct at a glance and readable on white; branches beyond these share the last (gray). */
const PALETTE = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#71717a"];

/** The most frequent branches get the first colors, so the main line is usually blue. */
export function branchColors(points: readonly TrendPoint[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const p of points) counts.set(p.branch, (counts.get(p.branch) ?? 0) + 1);
  const order = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([b]) => b);
  return new Map(order.map((b, i) => [b, PALETTE[Math.min(i, PALETTE.length - 1)]!]));
}

/** A round step (whole seconds, minutes or hours) and the axis top as a whole number of steps. */
function niceScale(v: number): { top: number; step: number } {
  const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800];
  const step = steps.find((s) => v / s <= 5) ?? Math.ceil(v / 5 / 3600) * 3600;
  return { top: Math.max(1, Math.ceil(v / step)) * step, step };
}

/** UTC on purpose: the same label on the server and in every browser, and hosts log in UTC. */
const dateLabel = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace("T", " ");

type ChartProps = { points: readonly TrendPoint[]; median: number | null; p90: number | null };

/** Duration of each passed run over time, one dot per run coloured by branch, with the median and p90. */
export function DurationChart({ points, median, p90 }: ChartProps) {
  const [box, width] = useWidth<HTMLDivElement>(FIRST_W);
  if (points.length === 0) {
    return (
      <p className="px-1 py-6 text-sm text-ink-muted">
        No passed run in this window yet: there is no duration to chart.
      </p>
    );
  }
  const W = Math.max(MIN_W, width);
  const PLOT_W = W - M.left - M.right;
  const colors = branchColors(points);
  const times = points.map((p) => Date.parse(p.finishedAt));
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  // One run (or runs in the same second) still needs a span to sit in.
  if (t1 - t0 < 60_000) [t0, t1] = [t0 - 1_800_000, t1 + 1_800_000];
  const { top: yMax, step } = niceScale(Math.max(...points.map((p) => p.seconds), p90 ?? 0) * 1.1 || 60);
  const x = (t: number) => M.left + ((t - t0) / (t1 - t0)) * PLOT_W;
  const y = (s: number) => M.top + PLOT_H - (s / yMax) * PLOT_H;
  const yTicks = Array.from({ length: yMax / step + 1 }, (_, i) => i * step);
  // Close median and p90 labels would print over each other: the p90 one steps up.
  const p90Shift = p90 != null && median != null ? Math.min(0, y(median) - y(p90) - 11) : 0;
  // A phone's plot has room for the two ends' dates only; four would print over each other.
  const xTicks = (PLOT_W < 360 ? [0, 1] : [0, 1 / 3, 2 / 3, 1]).map((f) => t0 + f * (t1 - t0));

  return (
    <div ref={box} className="flex min-w-0 flex-col gap-1.5 overflow-x-auto">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        className="block font-mono"
        // A group, not an image: the dots are links to their runs.
        role="group"
        aria-label={`Durations of ${points.length} passed runs; median ${formatSeconds(median)}`}
        data-testid="duration-chart"
      >
        {yTicks.map((s) => (
          <g key={s}>
            <line x1={M.left} x2={M.left + PLOT_W} y1={y(s)} y2={y(s)} className="stroke-line" strokeWidth={1} />
            <text x={M.left - 6} y={y(s)} dy="0.32em" textAnchor="end" fontSize={10} className="fill-ink-muted">
              {formatSeconds(s)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={t}
            x={x(t)}
            y={H - 8}
            fontSize={10}
            className="fill-ink-muted"
            textAnchor={i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"}
          >
            {dateLabel(t)}
          </text>
        ))}
        <text x={M.left + PLOT_W} y={H - 8} dx={6} fontSize={10} className="fill-zinc-400">
          UTC
        </text>
        {p90 != null && (
          <GuideLine
            y={y(p90)}
            labelShift={p90Shift}
            label={`p90 ${formatSeconds(p90)}`}
            plotW={PLOT_W}
            className="text-zinc-400"
            dash="2 3"
          />
        )}
        {median != null && (
          <GuideLine
            y={y(median)}
            label={`median ${formatSeconds(median)}`}
            plotW={PLOT_W}
            className="text-ink"
            dash="6 4"
          />
        )}
        {points.map((p) => (
          <a key={p.runId} href={runHref(p.runId)}>
            <circle
              cx={x(Date.parse(p.finishedAt))}
              cy={y(p.seconds)}
              r={4}
              fill={colors.get(p.branch)}
              fillOpacity={0.85}
              className="stroke-surface"
              strokeWidth={1}
            >
              <title>{`${formatSeconds(p.seconds)} · ${visibleText(p.branch)} · ${p.commitSha.slice(0, 10)}${p.hostName ? ` · ${p.hostName}` : ""} · ${p.finishedAt}`}</title>
            </circle>
          </a>
        ))}
      </svg>
      <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-ink-muted" aria-label="Branches">
        {[...colors].map(([branch, color]) => (
          <li key={branch} className="inline-flex max-w-64 items-center gap-1">
            <span
              aria-hidden
              className="inline-block size-2.5 shrink-0 rounded-full"
              style={{ backgroundColor: color }}
            />
            <span className="truncate font-mono" title={branch}>
              {branch}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `className` sets the colour (a text-* class); line and label both take it as currentColor. */
type GuideProps = { y: number; label: string; className: string; dash: string; plotW: number; labelShift?: number };

function GuideLine({ y, label, className, dash, plotW: PLOT_W, labelShift = 0 }: GuideProps) {
  return (
    <g className={className}>
      <line
        x1={M.left}
        x2={M.left + PLOT_W}
        y1={y}
        y2={y}
        stroke="currentColor"
        strokeWidth={1.25}
        strokeDasharray={dash}
      />
      <text x={M.left + PLOT_W + 6} y={y + labelShift} dy="0.32em" fontSize={10} fill="currentColor">
        {label}
      </text>
    </g>
  );
}
