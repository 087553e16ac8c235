"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Section } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { runsHref } from "./links";
import { Loading, QueryError } from "./query-state";
import { LIVE_REFETCH_MS } from "./live";
import { RunsTable } from "./runs-table";
import { VisibleText } from "~/components/ui/visible-text";

export type RunsFilter = { branch?: string; lane?: string };

function FilterChip({ label, value, without }: { label: string; value: string; without: RunsFilter }) {
  return (
    <span className="inline-flex items-center gap-1 rounded border border-line bg-zinc-50 px-1.5 text-sm">
      <span className="text-ink-muted">{label}</span>
      <VisibleText className="font-mono" text={value} />
      <Link href={runsHref(without)} aria-label={`Clear ${label} filter`} className="px-0.5 text-ink-muted hover:text-ink">
        ×
      </Link>
    </span>
  );
}

function FilterBar({ filter }: { filter: RunsFilter }) {
  if (!filter.branch && !filter.lane) return <span>newest first, every branch and lane</span>;
  return (
    <span className="inline-flex items-center gap-1.5">
      {filter.branch && <FilterChip label="branch" value={filter.branch} without={{ lane: filter.lane }} />}
      {filter.lane && <FilterChip label="lane" value={filter.lane} without={{ branch: filter.branch }} />}
    </span>
  );
}

/** Every run, newest first; `?branch=` and `?lane=` narrow it (links from the branch page and lane cells). */
export function RunsPage({ filter }: { filter: RunsFilter }) {
  const trpc = useTRPC();
  const input = { branch: filter.branch, lane: filter.lane, limit: 200 };
  const query = useQuery({ ...trpc.runs.list.queryOptions(input), refetchInterval: LIVE_REFETCH_MS });
  const runs = query.data;
  return (
    <Section title="Runs" description={<FilterBar filter={filter} />} flush>
      {runs === undefined ? (
        query.isError ? (
          <QueryError error={query.error} what="runs" className="m-3" />
        ) : (
          <Loading what="runs" />
        )
      ) : runs.length === 0 ? (
        <p className="px-3 py-6 text-sm text-ink-muted">
          No runs {filter.branch || filter.lane ? "match this filter" : "yet: rerun a lane from a branch page"}.
        </p>
      ) : (
        <RunsTable runs={runs} />
      )}
    </Section>
  );
}
