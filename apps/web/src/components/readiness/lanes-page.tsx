"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Mono } from "~/components/ui/mono";
import { useTRPC } from "~/trpc/react";
import { CatalogGates } from "./catalog-gates";
import { CatalogLanes } from "./catalog-lanes";
import { branchHref } from "./links";
import { lanesInput } from "./page-queries";
import { Loading, QueryError } from "./query-state";
import { SiteOverlay } from "./site-overlay";
import { VisibleText } from "~/components/ui/visible-text";

/** The catalog in force: the default one, or the one at a branch's head with `?branch=`. */
export function LanesPage({ branch }: { branch?: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.lanes.list.queryOptions(lanesInput(branch)));
  if (query.data === undefined) {
    if (!query.isError) return <Loading what="the catalog" />;
    // BAD_REQUEST is the catalog itself (the server names the branch and commit); anything else is ours
    if (query.error.data?.code !== "BAD_REQUEST") return <QueryError error={query.error} what="the catalog" />;
    return (
      <div className="flex flex-col gap-2">
        <QueryError error={query.error} what="the catalog" />
        <p className="text-sm text-ink-muted">
          Runs of its lanes wait until the catalog can be read; fix <code>proofboard.yaml</code> on that branch and
          push.{" "}
          <Link href={branch ? branchHref(branch) : "/"} className="text-status-running hover:underline">
            {branch ? "Open the branch" : "Back to the overview"}
          </Link>
        </p>
      </div>
    );
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
