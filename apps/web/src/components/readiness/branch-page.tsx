"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";
import { Benchmarks } from "./benchmarks";
import { BranchHeader } from "./branch-header";
import { BranchLanes } from "./branch-lanes";
import { CatalogError } from "./catalog-error";
import { Loading, PageError, QueryError } from "./query-state";
import { LIVE_REFETCH_MS } from "./live";
import { ReadinessTimeline } from "./readiness-timeline";
import { RerunNotice, RerunNoticeProvider } from "./rerun-notice";
import { TargetFaultBanner } from "./target-fault";
import { VerdictPanel } from "./verdict-panel";

/** One branch's head commit: verdict, each gate's lanes with their runs, and a rerun per lane. */
export function BranchPage({ name }: { name: string }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.branches.get.queryOptions({ name }), refetchInterval: LIVE_REFETCH_MS });
  const detail = query.data;
  if (detail === undefined) {
    if (!query.isError) return <Loading what="the branch" />;
    return <PageError error={query.error} what={`branch ${JSON.stringify(name)}`} />;
  }
  return (
    <RerunNoticeProvider>
      <div className="flex flex-col gap-3">
        {query.isError && <QueryError error={query.error} what="fresh data; showing the last known state" />}
        <BranchHeader detail={detail} />
        {detail.targetFault && <TargetFaultBanner fault={detail.targetFault} />}
        {detail.catalogError == null && <VerdictPanel detail={detail} />}
        <RerunNotice />
        {detail.catalogError != null ? (
          <CatalogError message={detail.catalogError} source={detail.catalogSource} />
        ) : (
          <BranchLanes detail={detail} />
        )}
        <ReadinessTimeline branch={detail.name} />
        <Benchmarks branch={detail.name} />
      </div>
    </RerunNoticeProvider>
  );
}
