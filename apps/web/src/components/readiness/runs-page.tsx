"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Section } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { runsHref } from "./links";
import { Loading, QueryError } from "./query-state";
import { LIVE_REFETCH_MS } from "./live";
import { RunsFilterBar } from "./runs-filter-bar";
import { hasRunsFilter, RUNS_PAGE, runsListInput, type RunsFilter } from "./runs-filter";
import { RunsTable } from "./runs-table";

export type { RunsFilter } from "./runs-filter";

function Pager({ filter, olderThan }: { filter: RunsFilter; olderThan: string | null }) {
  if (!filter.before && !olderThan) return null;
  return (
    <nav aria-label="Pages" className="flex items-center justify-end gap-3 border-t border-line px-3 py-2 text-sm">
      {filter.before && (
        <Link
          href={runsHref({ ...filter, before: undefined })}
          className="font-medium text-status-running hover:underline"
        >
          ← Newest runs
        </Link>
      )}
      {olderThan && (
        <Link
          href={runsHref({ ...filter, before: olderThan })}
          className="font-medium text-status-running hover:underline"
          rel="next"
        >
          Older runs →
        </Link>
      )}
    </nav>
  );
}

/**
 * Every run, newest first, narrowed by the filters in the URL (runs-filter.ts) and applied by the
 * API; RUNS_PAGE runs a page, the next one starting past the last run shown.
 */
export function RunsPage({ filter }: { filter: RunsFilter }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.runs.list.queryOptions(runsListInput(filter)), refetchInterval: LIVE_REFETCH_MS });
  const rows = query.data;
  const runs = rows?.slice(0, RUNS_PAGE);
  const olderThan = rows && rows.length > RUNS_PAGE ? runs!.at(-1)!.id : null;
  return (
    <Section title="Runs" description={filter.before ? "older runs, newest first" : "newest first"} flush>
      <div className="border-b border-line px-3 py-2">
        <RunsFilterBar filter={filter} />
      </div>
      {runs === undefined ? (
        query.isError ? (
          <QueryError error={query.error} what="runs" className="m-3" />
        ) : (
          <Loading what="runs" />
        )
      ) : runs.length === 0 ? (
        <p className="px-3 py-6 text-sm text-ink-muted">
          No runs {hasRunsFilter(filter) ? "match these filters" : "yet: rerun a lane from a branch page"}.
        </p>
      ) : (
        <RunsTable runs={runs} />
      )}
      <Pager filter={filter} olderThan={olderThan} />
    </Section>
  );
}
