"use client";

import { useQuery } from "@tanstack/react-query";
import { Mono } from "~/components/ui/mono";
import { useTRPC } from "~/trpc/react";
import { CatalogGates } from "./catalog-gates";
import { CatalogLanes } from "./catalog-lanes";
import { lanesInput } from "./page-queries";
import { Loading, QueryError } from "./query-state";
import { SiteOverlay } from "./site-overlay";
import { VisibleText } from "~/components/ui/visible-text";

/** The catalog in force: the default one, or the one at a branch's head with `?branch=`. */
export function LanesPage({ branch }: { branch?: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.lanes.list.queryOptions(lanesInput(branch)));
  if (query.data === undefined) {
    return query.isError ? <QueryError error={query.error} what="the catalog" /> : <Loading what="the catalog" />;
  }
  const { catalog, source, overlay, notes } = query.data;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <h1 className="text-base font-semibold">{catalog.name}</h1>
        <span className="text-ink-muted">catalog from</span>
        <Mono>{source}</Mono>
        {overlay && <span className="text-ink-muted">with the site overlay</span>}
        {branch && (
          <span className="text-ink-muted">
            at the head of <VisibleText className="font-mono text-ink" text={branch} />
          </span>
        )}
      </div>
      <SiteOverlay overlay={overlay} notes={notes} />
      <CatalogGates gates={catalog.gates} />
      <CatalogLanes catalog={catalog} />
    </div>
  );
}
