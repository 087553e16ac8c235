"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { Button } from "~/components/ui/button";
import { Section } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { BranchFilter } from "./branch-filter";
import { LIVE_REFETCH_MS } from "./live";
import { OverviewTable } from "./overview-table";
import { OVERVIEW_PAGE, overviewInput } from "./page-queries";
import { Loading, QueryError } from "./query-state";
import { RepositoryBar } from "./repository-bar";
import { SyncButton } from "./sync-button";
import type { Overview } from "./types";
import { VisibleText } from "~/components/ui/visible-text";

function NoBranches({ url }: { url: string }) {
  return (
    <div className="flex flex-col items-start gap-2 px-3 py-6 text-sm">
      <p className="font-medium text-ink">No branches yet.</p>
      <p className="max-w-prose text-ink-muted">
        Branches come from a git sync of <span className="font-mono text-ink">{url}</span>: every branch head there gets
        a row, with its release gates judged on that exact commit. Sync now to fetch them.
      </p>
      <SyncButton variant="default" />
    </div>
  );
}

function Summary({ overview, filter }: { overview: Overview; filter: string }) {
  const shown = overview.branches.length;
  const ready = overview.branches.filter((b) => b.releaseReady).length;
  const matching = filter ? "matching " : "";
  if (shown === 0) return <span>nothing matches the filter</span>;
  return (
    <span>
      <span className="font-medium text-ink">{ready}</span> of {shown}{" "}
      {shown < overview.total
        ? `shown release-ready · ${overview.total} ${matching}${overview.total === 1 ? "branch" : "branches"}`
        : `${matching}${shown === 1 ? "branch" : "branches"} release-ready`}{" "}
      · release gates: {overview.releaseGates.map((g) => g.name).join(", ") || "none declared"}
    </span>
  );
}

function MoreRows({ shown, total, onMore }: { shown: number; total: number; onMore: (limit: number) => void }) {
  if (shown >= total) return null;
  return (
    <div className="flex items-center gap-2 border-t border-line px-3 py-2 text-sm text-ink-muted">
      <span>
        Showing {shown} of {total} branches, main and release branches first, then the most recently moved.
      </span>
      <Button variant="outline" size="xs" onClick={() => onMore(shown + OVERVIEW_PAGE)}>
        Show {Math.min(OVERVIEW_PAGE, total - shown)} more
      </Button>
      <Button variant="ghost" size="xs" onClick={() => onMore(total)}>
        Show all {total}
      </Button>
    </div>
  );
}

function NoMatch({ filter }: { filter: string }) {
  return (
    <p className="px-3 py-6 text-sm text-ink-muted" data-testid="no-match">
      No branch name contains <VisibleText className="font-mono text-ink" text={filter} />.
    </p>
  );
}

export function ReadinessOverview({ initialFilter = "" }: { initialFilter?: string }) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState(initialFilter);
  const [limit, setLimit] = useState(OVERVIEW_PAGE);
  const onFilter = useCallback((f: string) => {
    setFilter(f);
    setLimit(OVERVIEW_PAGE);
  }, []);
  const query = useQuery({
    ...trpc.branches.list.queryOptions(overviewInput(filter, limit)),
    refetchInterval: LIVE_REFETCH_MS,
    // While a new filter or page loads, the rows on screen stay.
    placeholderData: keepPreviousData,
  });
  const overview = query.data;
  if (overview === undefined) {
    return query.isError ? (
      <QueryError error={query.error} what="the readiness overview" />
    ) : (
      <Loading what="branches" />
    );
  }
  const empty = overview.total === 0 && !filter;
  return (
    <div className="flex flex-col gap-3">
      {query.isError && <QueryError error={query.error} what="fresh data; showing the last known state" />}
      <RepositoryBar repository={overview.repository} canSync={!empty} />
      <Section
        title="Readiness"
        description={<Summary overview={overview} filter={filter} />}
        actions={empty ? undefined : <BranchFilter value={filter} onChange={onFilter} />}
        flush
      >
        {empty ? (
          <NoBranches url={overview.repository.url} />
        ) : overview.branches.length === 0 ? (
          <NoMatch filter={filter} />
        ) : (
          <>
            <OverviewTable overview={overview} />
            <MoreRows shown={overview.branches.length} total={overview.total} onMore={setLimit} />
          </>
        )}
      </Section>
    </div>
  );
}
