"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { branchHref } from "~/components/readiness/links";
import { LIVE_REFETCH_MS } from "~/components/readiness/live";
import { HISTORY_DEPTHS as DEPTHS, historyInput } from "~/components/readiness/page-queries";
import { Loading, PageError, QueryError } from "~/components/readiness/query-state";
import { Section } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { CommitGrid } from "./commit-grid";
import { VisibleText } from "~/components/ui/visible-text";

const LEGEND = [
  "passed",
  "failed",
  "timed_out",
  "error",
  "unsupported",
  "running",
  "queued",
  "canceled",
  "never-run",
] as const;

function Legend() {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      {LEGEND.map((s) => (
        <StatusBadge key={s} status={s} className="text-xs font-normal" />
      ))}
      <span className="inline-flex items-center gap-1 text-xs text-ink-muted">
        <span className="inline-block h-3 w-4 rounded-sm bg-gate-soft ring-1 ring-gate-edge" />
        <span className="text-gate">◆</span> release-gate lane
      </span>
    </div>
  );
}

function DepthPicker({ value, onChange }: { value: number; onChange: (n: number) => void }) {
  return (
    <span className="inline-flex items-center gap-1 text-sm text-ink-muted" role="group" aria-label="Commits shown">
      commits
      {DEPTHS.map((n) => (
        <button
          key={n}
          type="button"
          aria-pressed={value === n}
          onClick={() => onChange(n)}
          className={cn(
            "cursor-pointer rounded px-1.5 font-mono hover:bg-zinc-100",
            value === n && "bg-zinc-900 text-white hover:bg-zinc-800",
          )}
        >
          {n}
        </button>
      ))}
    </span>
  );
}

/** A branch's recent commits × its lanes: where a lane started failing, and what was never run. */
export function HistoryPage({ branch }: { branch: string }) {
  const trpc = useTRPC();
  const [depth, setDepth] = useState<number>(DEPTHS[0]);
  const query = useQuery({
    ...trpc.history.branchGrid.queryOptions(historyInput(branch, depth)),
    refetchInterval: LIVE_REFETCH_MS,
    placeholderData: (prev) => prev,
  });
  const grid = query.data;
  if (grid === undefined) {
    if (!query.isError) return <Loading what="the branch history" />;
    return <PageError error={query.error} what={`the history of branch ${JSON.stringify(branch)}`} />;
  }
  return (
    <div className="flex flex-col gap-3">
      {query.isError && <QueryError error={query.error} what="fresh data; showing the last known state" />}
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-base font-semibold">History of</h1>
        <Link
          href={branchHref(grid.branch)}
          className="min-w-0 font-mono text-base font-semibold [overflow-wrap:anywhere] hover:underline"
        >
          <VisibleText text={grid.branch} />
        </Link>
        <span className="text-sm text-ink-muted">
          first-parent commits, newest first; each square is the latest run of that lane on that commit
        </span>
      </div>
      {grid.catalogError != null && (
        <p
          role="alert"
          className="rounded-md border border-status-failed-edge bg-status-failed-soft px-3 py-2 text-sm text-status-failed-ink [overflow-wrap:anywhere]"
        >
          The head commit&apos;s catalog is invalid, so the columns are the lanes that ran: {grid.catalogError}
        </p>
      )}
      {grid.historyError != null && (
        <p
          role="alert"
          className="rounded-md border border-status-warn-edge bg-status-warn-soft px-3 py-2 text-sm [overflow-wrap:anywhere]"
        >
          Only the head commit is shown: git could not list the history ({grid.historyError}).
        </p>
      )}
      <Section
        title={`${grid.commits.length} commits × ${grid.lanes.length} lanes`}
        description={
          grid.catalogSource ? (
            <>
              lanes of <Mono>{grid.catalogSource}</Mono>
            </>
          ) : null
        }
        actions={<DepthPicker value={depth} onChange={setDepth} />}
      >
        <div className="flex flex-col gap-2">
          <Legend />
          <CommitGrid grid={grid} />
        </div>
      </Section>
    </div>
  );
}
