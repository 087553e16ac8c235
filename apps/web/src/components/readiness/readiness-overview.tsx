"use client";

import { useQuery } from "@tanstack/react-query";
import { Section } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { LIVE_REFETCH_MS } from "./live";
import { OverviewTable } from "./overview-table";
import { Loading, QueryError } from "./query-state";
import { RepositoryBar } from "./repository-bar";
import { SyncButton } from "./sync-button";
import type { Overview } from "./types";

function NoBranches({ url }: { url: string }) {
  return (
    <div className="flex flex-col items-start gap-2 px-3 py-6 text-sm">
      <p className="font-medium text-ink">No branches yet.</p>
      <p className="max-w-prose text-ink-muted">
        Branches come from a git sync of <span className="font-mono text-ink">{url}</span>: every branch head there
        gets a row, with its release gates judged on that exact commit. Sync now to fetch them.
      </p>
      <SyncButton variant="default" />
    </div>
  );
}

function Summary({ overview }: { overview: Overview }) {
  if (overview.branches.length === 0) return null;
  const ready = overview.branches.filter((b) => b.releaseReady).length;
  return (
    <span>
      <span className="font-medium text-ink">{ready}</span> of {overview.branches.length} branches release-ready ·
      release gates: {overview.releaseGates.map((g) => g.name).join(", ") || "none declared"}
    </span>
  );
}

export function ReadinessOverview() {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.branches.list.queryOptions(), refetchInterval: LIVE_REFETCH_MS });
  const overview = query.data;
  if (overview === undefined) {
    return query.isError ? <QueryError error={query.error} what="the readiness overview" /> : <Loading what="branches" />;
  }
  return (
    <div className="flex flex-col gap-3">
      {query.isError && <QueryError error={query.error} what="fresh data; showing the last known state" />}
      <RepositoryBar repository={overview.repository} canSync={overview.branches.length > 0} />
      <Section title="Readiness" description={<Summary overview={overview} />} flush>
        {overview.branches.length === 0 ? <NoBranches url={overview.repository.url} /> : <OverviewTable overview={overview} />}
      </Section>
    </div>
  );
}
