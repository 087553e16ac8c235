"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Section } from "~/components/ui/card";
import { Sha } from "~/components/ui/mono";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { RelativeTime } from "~/components/ui/relative-time";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { runHref } from "./links";
import { LIVE_REFETCH_MS } from "./live";

type Change = RouterOutputs["readiness"]["timeline"]["changes"][number];

const FIRST = 10;
const STEP = 30;
const MOST = 200;

/** The badge of a branch: each segment encoded, the slashes kept (app/badges/[...branch]/route.ts). */
export function badgeHref(branch: string): string {
  return `/badges/${branch.split("/").map(encodeURIComponent).join("/")}.svg`;
}

function Verdict({ ready }: { ready: boolean }) {
  return ready ? (
    <span className="rounded border border-status-passed-edge bg-status-passed-soft px-1 text-xs font-semibold text-status-passed-ink">
      READY
    </span>
  ) : (
    <span className="rounded border border-status-failed-edge bg-status-failed-soft px-1 text-xs font-semibold text-status-failed-ink">
      NOT READY
    </span>
  );
}

function Row({ c }: { c: Change }) {
  return (
    <TR data-testid="timeline-row" data-gate={c.gate ?? ""} data-ready={String(c.ready)}>
      <TD className="text-sm text-ink-muted">
        <RelativeTime date={c.at} />
      </TD>
      <TD className="text-sm whitespace-nowrap">
        {c.gate === null ? (
          <span className="font-medium">release-ready</span>
        ) : (
          <>
            gate <span className="font-mono">{c.gate}</span>
          </>
        )}
      </TD>
      <TD className="whitespace-nowrap">
        <Verdict ready={c.ready} />
        {c.initial && (
          <span
            className="ml-1 text-xs text-ink-muted"
            title="the first verdict recorded for it: a starting point, not a change"
          >
            first seen
          </span>
        )}
      </TD>
      <TD className="max-w-[28rem] text-sm">
        <div className="flex min-w-0 items-baseline gap-1.5">
          <Sha sha={c.commitSha} length={8} />
          <span className="truncate">{c.commitSubject === null ? "" : <VisibleText text={c.commitSubject} />}</span>
        </div>
      </TD>
      <TD className="whitespace-nowrap">
        {c.runId ? (
          <Link href={runHref(c.runId)} className="font-mono text-xs font-medium text-status-running hover:underline">
            {c.runId.slice(0, 8)}
          </Link>
        ) : (
          <span className="text-xs text-ink-muted">{c.initial ? "-" : "new head"}</span>
        )}
      </TD>
      <TD className="font-mono text-xs text-ink-muted">{c.missing.length ? c.missing.join(", ") : ""}</TD>
    </TR>
  );
}

/** When the branch and its gates turned READY or NOT READY, newest first (README: Readiness timeline). */
export function ReadinessTimeline({ branch }: { branch: string }) {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(FIRST);
  const query = useQuery({
    ...trpc.readiness.timeline.queryOptions({ branch, limit }),
    refetchInterval: LIVE_REFETCH_MS,
    placeholderData: (prev) => prev,
  });
  const data = query.data;
  return (
    <Section
      title="Readiness timeline"
      description="when the branch and each gate turned READY or NOT READY, newest first"
      actions={
        <a
          href={badgeHref(branch)}
          className="text-xs text-ink-muted hover:underline"
          title="an SVG badge of this branch's verdict, for a README"
        >
          badge
        </a>
      }
      flush
      data-testid="readiness-timeline"
    >
      {!data ? (
        <p className="px-3 py-2 text-sm text-ink-muted">
          {query.isError ? "The timeline could not be read." : "Loading the timeline…"}
        </p>
      ) : data.changes.length === 0 ? (
        <p className="px-3 py-2 text-sm text-ink-muted">
          No verdict recorded yet: the first one appears within seconds of the web app starting.
        </p>
      ) : (
        <>
          <Table>
            <THead>
              <TR>
                <TH>When</TH>
                <TH>What</TH>
                <TH>Verdict</TH>
                <TH>Commit</TH>
                <TH>Run</TH>
                <TH>Missing lanes</TH>
              </TR>
            </THead>
            <TBody>
              {data.changes.map((c) => (
                <Row key={c.id} c={c} />
              ))}
            </TBody>
          </Table>
          {data.more && limit < MOST && (
            <div className="border-t border-line px-3 py-1.5">
              <Button
                variant="ghost"
                size="sm"
                onClick={() => setLimit((l) => Math.min(MOST, l + STEP))}
                disabled={query.isFetching}
              >
                More
              </Button>
            </div>
          )}
        </>
      )}
    </Section>
  );
}
