"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSession } from "~/components/auth/use-session";
import { QueryError, Loading } from "~/components/readiness/query-state";
import { Button } from "~/components/ui/button";
import { Section } from "~/components/ui/card";
import { RelativeTime } from "~/components/ui/relative-time";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

type AuditRow = RouterOutputs["audit"]["list"][number];
const PAGE = 100;

function Target({ row }: { row: AuditRow }) {
  const parts = [row.branch && `branch ${row.branch}`, row.lane && `lane ${row.lane}`].filter(Boolean).join(" · ");
  return (
    <span className="flex flex-col">
      {row.runId && (
        <Link
          href={`/runs/${encodeURIComponent(row.runId)}`}
          className="font-mono text-xs text-status-running hover:underline"
        >
          run {row.runId.slice(0, 8)}
        </Link>
      )}
      {parts && <VisibleText className="text-xs" text={parts} />}
    </span>
  );
}

function Row({ row }: { row: AuditRow }) {
  const refused = row.outcome !== "ok";
  return (
    <TR data-action={row.action} data-outcome={row.outcome}>
      <TD className="w-28">
        <RelativeTime date={row.at} />
      </TD>
      <TD className="w-32 font-medium">
        <VisibleText text={row.actor} />
      </TD>
      <TD className="w-24 text-ink-muted">{row.role}</TD>
      <TD className="w-32 font-mono text-xs">
        <VisibleText text={row.address} />
      </TD>
      <TD className="min-w-48">
        <span className="font-mono text-sm">{row.action}</span>
        {row.summary && <VisibleText className="block text-xs text-ink-muted" text={row.summary} />}
      </TD>
      <TD className="w-48">
        <Target row={row} />
      </TD>
      <TD className={refused ? "w-40 text-status-failed" : "w-40"}>{row.outcome}</TD>
    </TR>
  );
}

/** Every change anyone made (or tried to), newest first, a hundred at a time. Admins only. */
export function AuditPage() {
  const trpc = useTRPC();
  const { user, loading } = useSession();
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: PAGE },
      {
        enabled: user?.role === "admin",
        initialCursor: undefined as string | undefined,
        getNextPageParam: (page) => (page.length === PAGE ? page[page.length - 1]?.cursor : undefined),
      },
    ),
  );
  if (loading) return <Loading what="the audit log" />;
  if (user?.role !== "admin")
    return (
      <p className="text-ink-muted">
        The audit log is for admins:{" "}
        <Link href="/login?next=/audit" className="underline">
          log in as one
        </Link>
        .
      </p>
    );
  const rows = query.data?.pages.flat() ?? [];
  return (
    <Section title="Audit log" description="who changed what, when and from where; newest first" flush>
      {query.isError ? (
        <QueryError error={query.error} what="the audit log" className="m-3" />
      ) : query.isPending ? (
        <Loading what="the audit log" />
      ) : rows.length === 0 ? (
        <p className="px-3 py-6 text-sm text-ink-muted">Nothing has been changed yet.</p>
      ) : (
        <Table className="table-fixed" data-testid="audit-table">
          <THead>
            <TR>
              <TH className="w-28">When</TH>
              <TH className="w-32">Who</TH>
              <TH className="w-24">Role</TH>
              <TH className="w-32">From</TH>
              <TH>Action</TH>
              <TH className="w-48">Target</TH>
              <TH className="w-40">Outcome</TH>
            </TR>
          </THead>
          <TBody>
            {rows.map((row) => (
              <Row key={row.id} row={row} />
            ))}
          </TBody>
        </Table>
      )}
      {query.hasNextPage && (
        <div className="p-3">
          <Button variant="outline" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? "Loading…" : `Show ${PAGE} older`}
          </Button>
        </div>
      )}
    </Section>
  );
}
