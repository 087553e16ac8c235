"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { runsHref } from "~/components/readiness/links";
import { LIVE_REFETCH_MS } from "~/components/readiness/live";
import { Loading, PageError, QueryError } from "~/components/readiness/query-state";
import { HostClassBadge } from "~/components/readiness/host-badge";
import { Card, Section } from "~/components/ui/card";
import { formatBytes } from "~/lib/bytes";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { DurationChart } from "./duration-chart";
import { formatPercent, formatSeconds } from "./format";
import { LaneRunsTable } from "./lane-runs-table";
import { historyHref, laneHref } from "./links";
import type { LaneHistory } from "./types";
import { VisibleText } from "~/components/ui/visible-text";

function Stat({ label, hint, children, tone }: { label: string; hint: string; children: ReactNode; tone?: string }) {
  return (
    <Card className="flex min-w-32 flex-col gap-0.5 px-3 py-2" title={hint}>
      <span className="text-xs tracking-wide text-ink-muted uppercase">{label}</span>
      <span className={cn("font-mono text-lg leading-6 font-semibold", tone)}>{children}</span>
    </Card>
  );
}

function Stats({ h }: { h: LaneHistory }) {
  const { flake, counts } = h;
  const flakeTone =
    flake.rate == null || flake.rate === 0
      ? undefined
      : flake.rate >= 0.1
        ? "text-status-failed"
        : "text-status-warn-ink";
  return (
    <div className="flex flex-wrap gap-2">
      <Stat label="Median" hint="median duration of the passed runs in this window">
        {formatSeconds(h.medianSeconds)}
      </Stat>
      <Stat label="p90" hint="90th percentile duration of the passed runs in this window">
        {formatSeconds(h.p90Seconds)}
      </Stat>
      <Stat
        label="Flake rate"
        hint="share of commits on which this lane both passed and failed (failed or timed out): same code, different verdict"
        tone={flakeTone}
      >
        {formatPercent(flake.rate)}
        <span className="ml-1.5 text-sm font-normal text-ink-muted">
          {flake.flakyCommits.length}/{flake.commits} commits
        </span>
      </Stat>
      <Stat label="Passed" hint="passed runs in this window" tone="text-status-passed-ink">
        {counts.passed}
      </Stat>
      <Stat
        label="Failed"
        hint="failed or timed-out runs in this window"
        tone={counts.failed ? "text-status-failed" : undefined}
      >
        {counts.failed}
      </Stat>
      <Stat label="Other" hint="queued, running, canceled, unsupported, lost, infrastructure errors, skipped">
        {counts.other}
      </Stat>
      <Stat
        label="Console / run"
        hint={`bytes the consoles of the ${h.recent.length} recent runs hold, median per run (stored compressed); ${formatBytes(h.consoleBytes.total)} for all of them`}
      >
        {h.consoleBytes.median == null ? "—" : formatBytes(h.consoleBytes.median)}
        <span className="ml-1.5 text-sm font-normal text-ink-muted">{formatBytes(h.consoleBytes.total)} in all</span>
      </Stat>
    </div>
  );
}

/** One lane over time: how long it takes, how often it flip-flops on one commit, and its recent runs. */
export function LaneHistoryPage({ lane, branch }: { lane: string; branch?: string }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.history.lane.queryOptions({ lane, branch }), refetchInterval: LIVE_REFETCH_MS * 5 });
  const h = query.data;
  if (h === undefined) {
    if (!query.isError) return <Loading what="the lane's history" />;
    return (
      <div className="flex flex-col items-start gap-2">
        <PageError
          error={query.error}
          what={`lane ${JSON.stringify(lane)}${branch ? ` on branch ${JSON.stringify(branch)}` : ""}`}
        />
        <Link href="/lanes" className="text-sm text-status-running hover:underline">
          The catalog&apos;s lanes
        </Link>
      </div>
    );
  }
  const flaky = new Set(h.flake.flakyCommits);
  return (
    <div className="flex flex-col gap-3">
      {query.isError && <QueryError error={query.error} what="fresh data; showing the last known state" />}
      <div className="flex flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="font-mono text-lg font-semibold">
            <VisibleText text={h.lane} />
          </h1>
          {h.definition && <span className="text-ink-muted">{h.definition.title}</span>}
          {h.definition && <HostClassBadge hostClass={h.definition.host} />}
          {h.branch != null && (
            <span className="inline-flex items-center gap-1 rounded border border-line bg-zinc-50 px-1.5 text-sm">
              <span className="text-ink-muted">branch</span>
              <Link href={historyHref(h.branch)} className="font-mono hover:underline">
                <VisibleText text={h.branch} />
              </Link>
              <Link
                href={laneHref(h.lane)}
                aria-label="Clear the branch filter"
                className="px-0.5 text-ink-muted hover:text-ink"
              >
                ×
              </Link>
            </span>
          )}
          <Link
            href={runsHref({ lane: h.lane, branch: h.branch ?? undefined })}
            className="ml-auto text-sm text-status-running hover:underline"
          >
            All runs of this lane
          </Link>
        </div>
        {h.definition?.description && <p className="max-w-4xl text-sm text-ink-muted">{h.definition.description}</p>}
      </div>
      <Stats h={h} />
      <Section
        title="Duration of passed runs"
        description={`last ${h.window} runs${h.branch ? " on this branch" : " on every branch"}; click a dot for its run`}
      >
        <DurationChart points={h.trend} median={h.medianSeconds} p90={h.p90Seconds} />
      </Section>
      <Section title="Recent runs" description={`newest ${h.recent.length} of the window`} flush>
        {h.recent.length === 0 ? (
          <p className="px-3 py-6 text-sm text-ink-muted">
            No runs of this lane{h.branch ? " on this branch" : ""} yet.
          </p>
        ) : (
          <LaneRunsTable runs={h.recent} flaky={flaky} />
        )}
      </Section>
    </div>
  );
}
