"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Section } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

type Series = RouterOutputs["branches"]["metrics"][number];

function Sparkline({ s }: { s: Series }) {
  const w = 160;
  const h = 28;
  const values = s.points.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? w / 2 : (i / (values.length - 1)) * (w - 4) + 2);
  const y = (v: number) => (max === min ? h / 2 : h - 3 - ((v - min) / (max - min)) * (h - 6));
  return (
    <svg width={w} height={h} role="img" aria-label={`${s.name} over ${values.length} runs`}>
      <polyline
        fill="none"
        stroke="currentColor"
        strokeWidth={1.5}
        className="text-status-running"
        points={values.map((v, i) => `${x(i)},${y(v)}`).join(" ")}
      />
      {s.points.map((p, i) => (
        <circle
          key={p.runId}
          cx={x(i)}
          cy={y(p.value)}
          r={i === values.length - 1 ? 2.5 : 1.5}
          className={i === values.length - 1 && s.regression ? "fill-status-failed" : "fill-status-running"}
        >
          <title>{`${p.value} ${s.unit} on ${p.commitSha.slice(0, 10)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

/** Figures benchmark lanes reported on this branch, across commits; a regression is flagged, not hidden in a log. */
export function Benchmarks({ branch }: { branch: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.branches.metrics.queryOptions({ name: branch }));
  const series = query.data ?? [];
  if (!series.length) return null;
  return (
    <Section
      title="Benchmarks"
      description="reported by benchmark lanes (PROOFBOARD_METRIC lines), oldest to newest commit"
      flush
    >
      <table className="w-full text-sm">
        <tbody>
          {series.map((s) => {
            const last = s.points[s.points.length - 1]!;
            return (
              <tr key={`${s.lane}/${s.name}`} className="border-t border-line first:border-t-0" data-metric={s.name}>
                <td className="px-3 py-1 font-mono">{s.lane}</td>
                <td className="px-3 py-1 font-mono">{s.name}</td>
                <td className="px-3 py-1 text-right tabular-nums">
                  <Link href={`/runs/${last.runId}`} className="hover:underline">
                    {last.value} {s.unit}
                  </Link>
                </td>
                <td className="px-3 py-1">
                  <Sparkline s={s} />
                </td>
                <td className="px-3 py-1">
                  {s.regression ? (
                    <span
                      className="rounded bg-status-failed-soft px-1 text-xs font-medium text-status-failed"
                      data-testid="regression"
                    >
                      regression: &gt;10% worse than the recent median
                    </span>
                  ) : s.regression === false ? (
                    <span className="text-xs text-ink-muted">within 10% of the recent median</span>
                  ) : (
                    <span className="text-xs text-ink-muted">one run so far</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}
